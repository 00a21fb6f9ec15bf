using Loom.Core.Session;
using Loom.Core.Tree;

namespace Loom.Core.Editing;

/// <summary>What an edit did to the tree.</summary>
public enum EditKind
{
    /// <summary>The change left the text as it was.</summary>
    NoChange,
    /// <summary>Typed text appended to a new human draft child of the current node.</summary>
    DraftCreated,
    /// <summary>Draft nodes were changed in place.</summary>
    DraftUpdated,
    /// <summary>The changed part of the path was copied as new nodes beside the originals.</summary>
    Forked,
    /// <summary>The root changed: a new tree was made that keeps the context and settings.</summary>
    TreeForked,
    /// <summary>The result equals the text of an existing path, which was checked out instead (e.g. undo).</summary>
    CheckedOutExisting,
}

/// <summary>The result of <see cref="LoomSession.ApplyChange"/>.</summary>
public sealed record EditOutcome(EditKind Kind, SessionState State, Node? ChangedNode);
