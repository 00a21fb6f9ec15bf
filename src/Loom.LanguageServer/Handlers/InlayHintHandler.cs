using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>textDocument/inlayHint</c>: the selected child's text as ghost text after the last character,
/// and a small marker at each node boundary inside the requested range.
/// </summary>
public sealed class InlayHintHandler : DocumentHandler<Protocol.Range>
{
    public const string BoundaryMarker = "▏";

    public InlayHintHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.InlayHint;

    public override bool Mutates => false;

    protected override (string Uri, Protocol.Range Args) Parse(ParamReader p) => (TextDocumentUri(p), ReadRange(p, "range"));

    protected override Task<object?> ExecuteAsync(LoomDocument doc, Protocol.Range range, CancellationToken cancellationToken)
    {
        var hints = new List<InlayHint>();
        if (doc.Session is not { } session || !doc.InSync)
        {
            return Task.FromResult<object?>(hints);
        }
        var state = session.GetState();
        var lines = doc.Lines;
        var enc = Server.Encoding;
        var from = lines.TryGetOffset(range.Start, enc, out var a) ? a : 0;
        var to = lines.TryGetOffset(range.End, enc, out var b) ? b : doc.ClientText.Length;
        for (var i = 1; i < state.SegmentStarts.Length; i++)
        {
            var start = state.SegmentStarts[i];
            if (start < from || start > to)
            {
                continue;
            }
            var node = state.Lineage[i];
            hints.Add(new InlayHint(lines.GetPosition(start, enc), BoundaryMarker,
                Tooltip: $"{node.Author}{(node.Model is { } m ? " · " + m : "")} · {node.Id}"));
        }
        if (state.SelectedChild is { } child && to >= doc.ClientText.Length)
        {
            var count = state.Children.Length;
            hints.Add(new InlayHint(lines.End(enc), child.Text,
                Tooltip: $"selected child {state.SelectedChildIdx + 1}/{count}{(child.Model is { } m ? " · " + m : "")}"));
        }
        return Task.FromResult<object?>(hints);
    }
}
