using Loom.Core.Session;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.navigateParent</c>: moves to the parent of the current node.</summary>
public sealed class NavigateParentCommand : SimpleSessionCommand
{
    public override string Name => "loom.navigateParent";

    protected override SessionState Apply(LoomSession session) => session.NavigateParent();
}
