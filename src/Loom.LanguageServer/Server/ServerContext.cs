using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Settings;

namespace Loom.LanguageServer.Server;

/// <summary>The services one server instance shares between its handlers (no static state anywhere).</summary>
public sealed class ServerContext
{
    public ServerContext(ServerLog log, StoreHost store, GeneratorHost generators)
    {
        Log = log;
        Store = store;
        Generators = generators;
        Client = new ClientChannel();
        Lifecycle = new Lifecycle();
        Settings = new SettingsMerger();
        Workspace = new Workspace();
        Notifier = new StateNotifier(this);
        Buffers = new BufferSync(this);
        Binder = new DocumentBinder(this);
        Progress = new ProgressRegistry();
        Memory = new IdleMemoryTrimmer();
        ExternalChanges = new ExternalChangeWatcher(this);
        StoreFaults = new StoreFaultWatcher(this);
    }

    public StoreFaultWatcher StoreFaults { get; }

    public ExternalChangeWatcher ExternalChanges { get; }

    public IdleMemoryTrimmer Memory { get; }

    public ServerLog Log { get; }

    public StoreHost Store { get; }

    public GeneratorHost Generators { get; }

    public ClientChannel Client { get; }

    public Lifecycle Lifecycle { get; }

    public SettingsMerger Settings { get; }

    public Workspace Workspace { get; }

    public StateNotifier Notifier { get; }

    public BufferSync Buffers { get; }

    public DocumentBinder Binder { get; }

    public ProgressRegistry Progress { get; }

    public PositionEncoding Encoding => Lifecycle.Client.PositionEncoding;

    /// <summary>How long the server waits for the client to answer a workspace/applyEdit.</summary>
    public TimeSpan ApplyEditTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Applies merged settings and tells the generators.</summary>
    private readonly ProviderTrust _providerTrust = new();

    public void MergeSettings(System.Text.Json.Nodes.JsonNode? source, string origin)
    {
        var trustWarnings = new List<string>();
        var trusted = _providerTrust.Filter(source, origin, trustWarnings);
        foreach (var warning in trustWarnings.Concat(Settings.Merge(trusted)))
        {
            Log.Warning($"{origin}: {warning}");
        }
        Generators.UpdateSettings(Settings.Current);
        Log.Debug($"settings merged from {origin}");
    }
}
