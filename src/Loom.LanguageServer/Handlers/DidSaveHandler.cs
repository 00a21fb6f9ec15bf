using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>textDocument/didSave</c>: drafts and selections reach the database at once.</summary>
public sealed class DidSaveHandler : DocumentHandler<bool>
{
    public DidSaveHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.DidSave;

    public override bool IsNotification => true;

    public override bool Mutates => true;

    protected override (string Uri, bool Args) Parse(ParamReader p) => (TextDocumentUri(p), true);

    protected override Task<object?> ExecuteAsync(LoomDocument doc, bool args, CancellationToken cancellationToken)
    {
        if (doc.Session is { } session)
        {
            session.Save();
            Server.Binder.SaveBinding(doc);
        }
        return Task.FromResult<object?>(null);
    }
}
