using Loom.Core.Tree;

namespace Loom.Core.Store;

/// <summary>One row of the <c>trees</c> table. The tree id equals its root node's id.</summary>
public sealed record TreeRecord(
    string Id,
    string? CurrentNodeId,
    string? Name,
    bool ShowModelNames,
    bool RewindSplitTokens,
    IReadOnlyList<ModelPlanEntry> ModelPlan,
    string CreatedAt,
    string UpdatedAt,
    NodeMetadata Metadata,
    bool Archived);

/// <summary>A tree as listed in "open a loom" pickers.</summary>
public sealed record TreeSummary(string Id, string? Name, string Preview, int NodeCount, string UpdatedAt);

/// <summary>Which tree and node a document is bound to (our own table; basemode-loom ignores it).</summary>
public sealed record DocumentBinding(string Uri, string TreeId, string NodeId, string UpdatedAt);

/// <summary>A node whose text matched a search.</summary>
public sealed record NodeSearchHit(string NodeId, string TreeId, string Text);
