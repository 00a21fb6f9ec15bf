using Loom.Core.Session;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.toggleTreeView</c>: switches between branch and tree view.</summary>
public sealed class ToggleTreeViewCommand : SimpleSessionCommand
{
    public override string Name => "loom.toggleTreeView";

    protected override SessionState Apply(LoomSession session) => session.ToggleTreeView();
}
