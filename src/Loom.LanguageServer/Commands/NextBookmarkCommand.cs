using Loom.Core.Session;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.nextBookmark</c>: moves to the next bookmarked node (tree order, wrapping).</summary>
public sealed class NextBookmarkCommand : SimpleSessionCommand
{
    public override string Name => "loom.nextBookmark";

    protected override SessionState Apply(LoomSession session) => session.NextBookmark();
}
