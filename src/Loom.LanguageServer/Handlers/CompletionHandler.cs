using System.Globalization;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>textDocument/completion</c>: at the end of the buffer, one item per child of the current node;
/// accepting inserts the child's text and runs <c>loom.navigateTo</c>. Mid-buffer nothing is offered.
/// </summary>
public sealed class CompletionHandler : DocumentHandler<Position>
{
    public CompletionHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.Completion;

    public override bool Mutates => false;

    protected override (string Uri, Position Args) Parse(ParamReader p) => (TextDocumentUri(p), ReadPosition(p, "position"));

    protected override Task<object?> ExecuteAsync(LoomDocument doc, Position position, CancellationToken cancellationToken)
    {
        var empty = new CompletionList(false, []);
        if (doc.Session is not { } session)
        {
            return Task.FromResult<object?>(empty);
        }
        var lines = doc.Lines;
        if (!lines.TryGetOffset(position, Server.Encoding, out var offset) || offset != doc.ClientText.Length)
        {
            return Task.FromResult<object?>(empty);
        }
        var state = session.GetState();
        var end = lines.End(Server.Encoding);
        var items = new List<CompletionItem>(state.Children.Length);
        for (var i = 0; i < state.Children.Length; i++)
        {
            var child = state.Children[i];
            var count = state.DescendantCounts.GetValueOrDefault(child.Id);
            var label = StateMapper.FirstLine(child.Text.TrimStart(), 60).Trim();
            items.Add(new CompletionItem(
                label.Length == 0 ? "(empty)" : label,
                CompletionItemKind.Text,
                child.Model ?? child.Author,
                MarkupContent.Markdown($"{Markdown.Fence(child.Text)}\n\n{count} descendant{(count == 1 ? "" : "s")}" +
                                       (i == state.SelectedChildIdx ? " · selected" : "")),
                new TextEdit(new Protocol.Range(end, end), child.Text),
                new Command("Loom: go to child", "loom.navigateTo", [new Dictionary<string, string> { ["uri"] = doc.Uri, ["nodeId"] = child.Id }]),
                i.ToString("D4", CultureInfo.InvariantCulture),
                child.Text));
        }
        return Task.FromResult<object?>(new CompletionList(false, items));
    }
}
