using Loom.Core.Tree;

namespace Loom.Core.Store;

/// <summary>
/// Everything Loom keeps, behind one interface so that SQLite (the default, shared with basemode-loom)
/// and later stores (PostgreSQL for teams) are interchangeable. Reads are plain methods; every write
/// goes through <see cref="Write{T}"/> and so is exactly one transaction.
/// Implementations are safe to call from several threads.
/// </summary>
public interface ILoomStore : IDisposable
{
    /// <summary>Where the data lives (a file path for SQLite), for messages.</summary>
    string Location { get; }

    /// <summary>True when writes will fail (read-only file, or a schema newer than we know).</summary>
    bool IsReadOnly { get; }

    /// <summary>Why the store is read-only or anything else a user should hear once after opening; else null.</summary>
    string? OpenWarning { get; }

    /// <summary>Changes whenever any connection (also another process) commits; cheap to poll.</summary>
    long DataVersion { get; }

    TreeRecord GetTree(string treeId);

    TreeRecord? TryGetTree(string treeId);

    /// <summary>Every tree, newest first.</summary>
    IReadOnlyList<TreeSummary> ListTrees();

    Node GetNode(string nodeId);

    Node? TryGetNode(string nodeId);

    /// <summary>Root..node inclusive, context nodes excluded, by one recursive query.</summary>
    IReadOnlyList<Node> GetLineage(string nodeId);

    /// <summary>Children of a node (context nodes excluded) ordered by created_at, id.</summary>
    IReadOnlyList<Node> GetChildren(string parentId);

    /// <summary>How many children (context nodes excluded) each of <paramref name="nodeIds"/> has, in one query.</summary>
    IReadOnlyDictionary<string, int> GetChildCounts(IReadOnlyCollection<string> nodeIds);

    /// <summary>The checked-out child of <paramref name="nodeId"/>, its checked-out child, and so on (one recursive query).</summary>
    IReadOnlyList<Node> GetCheckedOutPath(string nodeId);

    /// <summary>Number of descendants of each child of <paramref name="parentId"/>, keyed by child id.</summary>
    IReadOnlyDictionary<string, int> GetChildDescendantCounts(string parentId);

    /// <summary>Every node of a tree (context nodes included) ordered by created_at, id.</summary>
    IReadOnlyList<Node> GetTreeNodes(string treeId);

    /// <summary>Bookmarked nodes of a tree in tree (depth-first, child order) order.</summary>
    IReadOnlyList<Node> GetBookmarks(string treeId);

    /// <summary>The tree's context (system prompt) node, if any.</summary>
    Node? GetContextNode(string treeId);

    /// <summary>Text of recent nodes, for the offline Markov generator; at most <paramref name="maxChars"/> characters.</summary>
    string SampleText(string preferTreeId, int maxChars);

    DocumentBinding? GetBinding(string uri);

    IReadOnlyList<string> GetBoundUris(string treeId);

    /// <summary>Nodes whose text contains <paramref name="query"/> (every tree), at most <paramref name="limit"/>.</summary>
    IReadOnlyList<NodeSearchHit> Search(string query, int limit);

    /// <summary>Runs <paramref name="write"/> as one transaction: all of it is committed, or none of it.</summary>
    T Write<T>(Func<IStoreWriter, T> write);
}

/// <summary>
/// The write operations, valid only inside <see cref="ILoomStore.Write{T}"/>. Each is small and
/// invertible so an operation journal (undo/redo) can record them without changing callers.
/// </summary>
public interface IStoreWriter
{
    /// <summary>Inserts a tree row (its root node must be inserted in the same transaction).</summary>
    void InsertTree(TreeRecord tree);

    void InsertNode(Node node);

    void UpdateNodeText(string nodeId, string text);

    void UpdateNodeMetadata(string nodeId, NodeMetadata metadata);

    /// <summary>Moves a node under another parent (used to splice an emptied draft out of a chain).</summary>
    void UpdateNodeParent(string nodeId, string? parentId);

    void SetContextId(string nodeId, string? contextId);

    /// <summary>Deletes a node and (by cascade) its whole subtree; returns how many nodes went.</summary>
    int DeleteSubtree(string nodeId);

    /// <summary>Makes <paramref name="nodeId"/> the one checked-out child of its parent.</summary>
    void SetCheckedOutChild(string parentId, string? nodeId);

    void SetCurrentNode(string treeId, string nodeId);

    void SetModelPlan(string treeId, IReadOnlyList<ModelPlanEntry> plan);

    void SetShowModelNames(string treeId, bool show);

    void SetTreeName(string treeId, string? name);

    void SetTreeMetadata(string treeId, NodeMetadata metadata);

    void SetBinding(string uri, string treeId, string nodeId);

    void RemoveBinding(string uri);
}
