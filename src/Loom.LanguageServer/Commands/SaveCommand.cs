using Loom.Core.Session;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.save</c>: persists the current node, selections and the document's binding.</summary>
public sealed class SaveCommand : SimpleSessionCommand
{
    public override string Name => "loom.save";

    protected override SessionState Apply(LoomSession session)
    {
        session.Save();
        return session.GetState();
    }
}
