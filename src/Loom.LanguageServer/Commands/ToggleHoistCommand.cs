using Loom.Core.Session;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.toggleHoist</c>: hoists the current node as the display root, or unhoists.</summary>
public sealed class ToggleHoistCommand : SimpleSessionCommand
{
    public override string Name => "loom.toggleHoist";

    protected override SessionState Apply(LoomSession session) => session.ToggleHoist();
}
