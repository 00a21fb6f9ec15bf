using System.Text.Json;
using System.Text.Json.Serialization;
using Loom.Core.Store;
using Loom.LanguageServer.Commands;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace Loom.LanguageServer.Server;

/// <summary>
/// One server over one pair of streams (stdin/stdout for the process, a pipe pair in tests).
/// <see cref="RunAsync"/> returns the exit code: 0 after shutdown + exit, 1 otherwise.
/// </summary>
public sealed class LanguageServerHost : IDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly ServerContext _server;
    private readonly CommandRegistry _commands = CommandRegistry.CreateDefault();

    public LanguageServerHost(
        ServerOptions options,
        Stream input,
        Stream output,
        TextWriter log,
        GeneratorHost.Factory? generatorFactory = null,
        Func<string, ILoomStore>? openStore = null)
    {
        _input = input;
        _output = output;
        var serverLog = new ServerLog(options.LogLevel, log);
        _server = new ServerContext(serverLog, new StoreHost(options.DatabasePath, serverLog, openStore), new GeneratorHost(serverLog, generatorFactory));
    }

    public ServerContext Context => _server;

    public static JsonSerializerOptions ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // Text goes out as UTF-8, not as \uXXXX escapes (the default escapes all non-ASCII and HTML
        // characters: six bytes for each character of a non-Latin document). Still valid JSON.
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken = default)
    {
        var input = new ReplayStream(_input);
        var handlers = HandlerSet.Create(_server, _commands);
        // Setting StreamJsonRpc up takes longer than answering initialize: do both at once.
        var rpcReady = Task.Run(() => CreateRpc(input, handlers), cancellationToken);
        var json = ConfigureJson(new JsonSerializerOptions { TypeInfoResolver = ProtocolJsonContext.Default });
        var answered = await InitializeFastPath.TryAnswerAsync(
            input, _output, handlers.Single(h => h.Method == Methods.Initialize), json, cancellationToken).ConfigureAwait(false);
        using var rpc = await rpcReady.ConfigureAwait(false);
        _server.Client.Attach(rpc);
        _server.Log.AttachClient(m => _server.Client.NotifyAsync(Methods.LogMessage, m));
        rpc.StartListening();
        if (_server.Log.IsEnabled(LogLevel.Debug))
        {
            _server.Log.Debug($"listening {StartupMilliseconds():F0} ms after process start (initialize {(answered ? "answered first" : "not first")})");
        }
        _server.Store.Warm();
        _server.Memory.Start();
        _server.ExternalChanges.Start();
        _server.StoreFaults.Start();

        using var cancelled = cancellationToken.Register(() => _server.Lifecycle.Exit());
        var finished = await Task.WhenAny(_server.Lifecycle.Exited, rpc.Completion).ConfigureAwait(false);
        int code;
        if (finished == _server.Lifecycle.Exited)
        {
            code = await _server.Lifecycle.Exited.ConfigureAwait(false);
        }
        else
        {
            code = _server.Lifecycle.Phase == LifecyclePhase.ShutDown ? 0 : 1;
            _server.Log.Info("the client closed the connection");
        }
        await SaveAllAsync().ConfigureAwait(false);
        return code;
    }

    private JsonRpc CreateRpc(Stream input, IReadOnlyList<LspHandler> handlers)
    {
        var formatter = new SystemTextJsonFormatter();
        ConfigureJson(formatter.JsonSerializerOptions);
        var handler = new TolerantMessageHandler(_output, input, formatter, _server.Log);
        var rpc = new JsonRpc(handler)
        {
            // Handlers start in arrival order (each runs until its first await); documents' queues do the rest.
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
        };
        RpcDispatcher.Register(rpc, _server, handlers);
        TolerantMessageHandler.InvalidRequest.Register(rpc);
        return rpc;
    }

    private static double StartupMilliseconds() =>
        (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds;

    /// <summary>Drafts and bindings reach the database before the process ends, whatever way it ends.</summary>
    private async Task SaveAllAsync()
    {
        foreach (var doc in _server.Workspace.Documents.ToList())
        {
            doc.Generation?.Cancellation.Cancel();
            doc.Session?.Cancel();
            try
            {
                await doc.Queue.Drained.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _server.Log.Warning($"{doc.Uri}: queued work did not finish before exit");
            }
            if (doc.Session is { } session && !doc.IsClosed)
            {
                try
                {
                    session.Save();
                    _server.Binder.SaveBinding(doc);
                }
                catch (Exception ex)
                {
                    _server.Log.Warning($"{doc.Uri}: could not save at exit: {ex.Message}");
                }
                session.Dispose();
                doc.IsClosed = true;
            }
        }
    }

    public void Dispose()
    {
        _server.Memory.Dispose();
        _server.ExternalChanges.Dispose();
        _server.StoreFaults.Dispose();
        _server.Store.Dispose();
    }
}
