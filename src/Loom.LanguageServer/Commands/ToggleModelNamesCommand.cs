using Loom.Core.Session;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.toggleModelNames</c>: shows or hides model names.</summary>
public sealed class ToggleModelNamesCommand : SimpleSessionCommand
{
    public override string Name => "loom.toggleModelNames";

    protected override SessionState Apply(LoomSession session) => session.ToggleModelNames();
}
