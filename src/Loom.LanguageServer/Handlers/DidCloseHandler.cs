using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>textDocument/didClose</c>: saves the session and the binding, then forgets the document.</summary>
public sealed class DidCloseHandler : LspHandler
{
    private readonly ServerContext _server;

    public DidCloseHandler(ServerContext server) => _server = server;

    public override string Method => Methods.DidClose;

    public override bool IsNotification => true;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var uri = ParamReader.Root(parameters).Object("textDocument").NonEmptyString("uri");
        var doc = _server.Workspace.Close(uri) ?? throw new InvalidParamsException("textDocument.uri", $"names no open document ('{uri}')");
        var done = doc.Queue.EnqueueMutation<object?>(() =>
        {
            doc.Generation?.Cancellation.Cancel();
            if (doc.Session is { } session)
            {
                session.Save();
                _server.Binder.SaveBinding(doc);
                session.Dispose();
            }
            doc.IsClosed = true;
            return Task.FromResult<object?>(null);
        }, CancellationToken.None);
        _server.Workspace.RegisterClosing(uri, done);
        return done;
    }
}
