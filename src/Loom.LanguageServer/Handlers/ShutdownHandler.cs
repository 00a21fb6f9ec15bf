using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>shutdown</c>: cancels generations, waits for every document's queue, saves sessions and bindings.</summary>
public sealed class ShutdownHandler : LspHandler
{
    private readonly ServerContext _server;

    public ShutdownHandler(ServerContext server) => _server = server;

    public override string Method => Methods.Shutdown;

    public override async Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        _server.Lifecycle.ShutDown();
        var flushes = new List<Task>();
        foreach (var doc in _server.Workspace.Documents.ToList())
        {
            doc.Generation?.Cancellation.Cancel();
            doc.Session?.Cancel();
            flushes.Add(doc.Queue.EnqueueMutation<object?>(() =>
            {
                if (doc.Session is { } session && !doc.IsClosed)
                {
                    session.Save();
                    _server.Binder.SaveBinding(doc);
                }
                return Task.FromResult<object?>(null);
            }, CancellationToken.None));
        }
        try
        {
            await Task.WhenAll(flushes).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _server.Log.Warning($"shutdown: not every document was saved: {ex.Message}");
        }
        return null;
    }
}
