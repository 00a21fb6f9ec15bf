using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>textDocument/codeAction</c>: the loom commands as code actions, each a <c>Command</c>.</summary>
public sealed class CodeActionHandler : DocumentHandler<bool>
{
    public CodeActionHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.CodeAction;

    public override bool Mutates => false;

    protected override (string Uri, bool Args) Parse(ParamReader p) => (TextDocumentUri(p), true);

    protected override Task<object?> ExecuteAsync(LoomDocument doc, bool args, CancellationToken cancellationToken)
    {
        if (doc.Session is not { } session)
        {
            return Task.FromResult<object?>(new[] { Action("Loom: attach this document", "loom.attach", doc.Uri) });
        }
        var state = session.GetState();
        var actions = new List<CodeAction>
        {
            state.Generating ? Action("Loom: cancel generation", "loom.cancel", doc.Uri) : Action("Loom: generate", "loom.generate", doc.Uri),
        };
        if (state.Children.Length > 1)
        {
            actions.Add(Action("Loom: next sibling", "loom.selectSibling", doc.Uri, ("delta", 1)));
            actions.Add(Action("Loom: previous sibling", "loom.selectSibling", doc.Uri, ("delta", -1)));
        }
        if (state.Children.Length > 0)
        {
            actions.Add(Action("Loom: go to child", "loom.navigateChild", doc.Uri));
        }
        if (state.CurrentNode.ParentId is not null)
        {
            actions.Add(Action("Loom: go to parent", "loom.navigateParent", doc.Uri));
        }
        actions.Add(Action(state.Bookmarked ? "Loom: remove bookmark" : "Loom: bookmark", "loom.toggleBookmark", doc.Uri));
        actions.Add(Action("Loom: next bookmark", "loom.nextBookmark", doc.Uri));
        actions.Add(Action(state.HoistedNodeId is null ? "Loom: hoist" : "Loom: unhoist", "loom.toggleHoist", doc.Uri));
        if (state.SelectedChild is { } selected)
        {
            actions.Add(Action("Loom: delete branch (selected child)", "loom.deleteNode", doc.Uri, ("nodeId", selected.Id)));
        }
        if (state.CurrentNode.ParentId is not null)
        {
            actions.Add(Action("Loom: delete branch (current node)", "loom.deleteNode", doc.Uri, ("nodeId", state.CurrentNodeId)));
        }
        return Task.FromResult<object?>(actions);
    }

    private static CodeAction Action(string title, string command, string uri, params (string Key, object Value)[] extra)
    {
        var args = new Dictionary<string, object> { ["uri"] = uri };
        foreach (var (key, value) in extra)
        {
            args[key] = value;
        }
        return new CodeAction(title, "source", new Command(title, command, [args]));
    }
}
