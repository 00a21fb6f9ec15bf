using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>textDocument/documentSymbol</c>: one symbol per segment of the current path.</summary>
public sealed class DocumentSymbolHandler : DocumentHandler<bool>
{
    public DocumentSymbolHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.DocumentSymbol;

    public override bool Mutates => false;

    protected override (string Uri, bool Args) Parse(ParamReader p) => (TextDocumentUri(p), true);

    protected override Task<object?> ExecuteAsync(LoomDocument doc, bool args, CancellationToken cancellationToken)
    {
        var symbols = new List<DocumentSymbol>();
        if (doc.Session is not { } session || !doc.InSync)
        {
            return Task.FromResult<object?>(symbols);
        }
        var state = session.GetState();
        var lines = doc.Lines;
        var enc = Server.Encoding;
        for (var i = 0; i < state.Lineage.Length; i++)
        {
            var node = state.Lineage[i];
            var start = lines.GetPosition(Segments.Start(state, i), enc);
            var end = lines.GetPosition(Segments.End(state, i), enc);
            var name = StateMapper.FirstLine(node.Text, 60).Trim();
            symbols.Add(new DocumentSymbol(
                name.Length == 0 ? $"({(node.IsRoot ? "root" : "empty")})" : name,
                node.IsRoot ? "root" : node.Model is { } m ? $"{node.Author} · {m}" : node.Author,
                node.IsRoot ? SymbolKind.File : SymbolKind.String,
                new Protocol.Range(start, end),
                new Protocol.Range(start, start)));
        }
        return Task.FromResult<object?>(symbols);
    }
}
