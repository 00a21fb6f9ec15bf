using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Store;
using Loom.LanguageServer.Server;
using Loom.LanguageServer.Sessions;
using Nerdbank.Streams;

namespace Loom.LanguageServer.Tests.Harness;

/// <summary>An in-process server and a fake editor joined by a pipe pair, over a fresh database file.</summary>
public sealed class ServerFixture : IAsyncDisposable
{
    private readonly LanguageServerHost _host;
    private readonly string _dir;

    private ServerFixture(string dir, LanguageServerHost host, Task<int> run, LspTestClient client, StringWriter log)
    {
        _dir = dir;
        _host = host;
        Run = run;
        Client = client;
        Log = log;
    }

    public LspTestClient Client { get; }

    public Task<int> Run { get; }

    public StringWriter Log { get; }

    public ServerContext Server => _host.Context;

    public ILoomStore Store => _host.Context.Store.Store;

    public string DatabasePath => Path.Combine(_dir, "trees.sqlite");

    public static async Task<ServerFixture> StartAsync(
        bool initialize = true,
        object? capabilities = null,
        object? initializationOptions = null,
        GeneratorHost.Factory? generators = null,
        string? databaseDirectory = null)
    {
        var dir = databaseDirectory ?? Path.Combine(Path.GetTempPath(), "loom-ls-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        var log = new StringWriter();
        var options = new ServerOptions(Path.Combine(dir, "trees.sqlite"), LogLevel.Debug, false, false);
        var host = new LanguageServerHost(options, serverStream, serverStream, TextWriter.Synchronized(log), generators);
        var run = Task.Run(() => host.RunAsync());
        var client = new LspTestClient(clientStream);
        var fixture = new ServerFixture(dir, host, run, client, log);
        if (initialize)
        {
            await fixture.InitializeAsync(capabilities, initializationOptions);
        }
        return fixture;
    }

    public static object DefaultCapabilities => new
    {
        workspace = new { applyEdit = true, workspaceEdit = new { documentChanges = true }, configuration = true },
        window = new { workDoneProgress = true },
        general = new { positionEncodings = new[] { "utf-16" } },
    };

    public async Task<JsonElement> InitializeAsync(object? capabilities = null, object? initializationOptions = null)
    {
        var result = await Client.RequestAsync("initialize", new
        {
            processId = (int?)null,
            rootUri = (string?)null,
            capabilities = capabilities ?? DefaultCapabilities,
            initializationOptions = initializationOptions ?? new { model = "offline/markov" },
        });
        await Client.NotifyAsync("initialized", new { });
        return result;
    }

    /// <summary>Opens a loom document and waits until it is bound (loom/state is queued behind the open).</summary>
    public async Task<JsonElement> OpenLoomAsync(string uri, string text)
    {
        await Client.OpenAsync(uri, text);
        return await StateAsync(uri);
    }

    public Task<JsonElement> StateAsync(string uri) => Client.RequestAsync("loom/state", new { uri });

    public async Task<int> ShutdownAndExitAsync()
    {
        await Client.RequestAsync<JsonElement?>("shutdown", null);
        await Client.NotifyAsync("exit", null);
        return await Run.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        if (!Run.IsCompleted)
        {
            try
            {
                await ShutdownAndExitAsync();
            }
            catch (Exception)
            {
                // Tests that broke the connection on purpose.
            }
        }
        Client.Dispose();
        _host.Dispose();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static JsonObject Settings(string model = "offline/markov") => new() { ["model"] = model };
}
