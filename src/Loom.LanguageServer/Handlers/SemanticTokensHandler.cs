using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>textDocument/semanticTokens/full</c>: every segment tagged by its author with the legend
/// <c>human</c> (0), <c>model</c> (1), <c>edited</c> (2); one token per segment per line.
/// </summary>
public sealed class SemanticTokensHandler : DocumentHandler<bool>
{
    public SemanticTokensHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.SemanticTokensFull;

    public override bool Mutates => false;

    protected override (string Uri, bool Args) Parse(ParamReader p) => (TextDocumentUri(p), true);

    public static int TokenType(string author) => author switch
    {
        "model" => 1,
        "edited" => 2,
        _ => 0,
    };

    protected override Task<object?> ExecuteAsync(LoomDocument doc, bool args, CancellationToken cancellationToken)
    {
        var data = new List<int>();
        if (doc.Session is not { } session || !doc.InSync)
        {
            return Task.FromResult<object?>(new SemanticTokens(data));
        }
        var state = session.GetState();
        var lines = doc.Lines;
        var enc = Server.Encoding;
        var text = doc.ClientText;
        var prevLine = 0;
        var prevChar = 0;
        for (var i = 0; i < state.Lineage.Length; i++)
        {
            var type = TokenType(state.Lineage[i].Author);
            var segStart = state.SegmentStarts[i];
            var segEnd = i + 1 < state.SegmentStarts.Length ? state.SegmentStarts[i + 1] : text.Length;
            var pos = segStart;
            while (pos < segEnd)
            {
                // One token per line piece: up to the next line terminator or the segment end.
                var nl = text.AsSpan(pos, segEnd - pos).IndexOfAny('\r', '\n');
                var pieceEnd = nl < 0 ? segEnd : pos + nl;
                if (pieceEnd > pos)
                {
                    var start = lines.GetPosition(pos, enc);
                    var end = lines.GetPosition(pieceEnd, enc);
                    var deltaLine = start.Line - prevLine;
                    var deltaChar = deltaLine == 0 ? start.Character - prevChar : start.Character;
                    data.Add(deltaLine);
                    data.Add(deltaChar);
                    data.Add(end.Character - start.Character);
                    data.Add(type);
                    data.Add(0);
                    prevLine = start.Line;
                    prevChar = start.Character;
                }
                pos = pieceEnd;
                while (pos < segEnd && (text[pos] == '\n' || text[pos] == '\r'))
                {
                    pos++;
                }
            }
        }
        return Task.FromResult<object?>(new SemanticTokens(data));
    }
}
