using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Formats.Tests.Support;

/// <summary>
/// A small in-memory <see cref="ILoomStore"/> for format tests: writes are buffered and applied only
/// when the whole <see cref="Write{T}"/> succeeds, like a transaction. <see cref="FailAfterInserts"/>
/// makes the n+1-th insert of a transaction throw, to prove imports are all-or-nothing.
/// </summary>
internal sealed class MemoryStore : ILoomStore
{
    private readonly Dictionary<string, TreeRecord> _trees = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);

    public int? FailAfterInserts { get; set; }

    public int TreeCount => _trees.Count;

    public int NodeCount => _nodes.Count;

    public string Location => "memory";

    public bool IsReadOnly => false;

    public string? OpenWarning => null;

    public long DataVersion { get; private set; }

    public TreeRecord GetTree(string treeId) => TryGetTree(treeId) ?? throw new TreeNotFoundException(treeId);

    public TreeRecord? TryGetTree(string treeId) => _trees.GetValueOrDefault(treeId);

    public IReadOnlyList<TreeSummary> ListTrees() =>
        _trees.Values.Select(t => new TreeSummary(t.Id, t.Name, _nodes.GetValueOrDefault(t.Id)?.Text ?? "", _nodes.Values.Count(n => n.TreeId == t.Id), t.UpdatedAt)).ToList();

    public Node GetNode(string nodeId) => TryGetNode(nodeId) ?? throw new NodeNotFoundException(nodeId);

    public Node? TryGetNode(string nodeId) => _nodes.GetValueOrDefault(nodeId);

    public IReadOnlyList<Node> GetLineage(string nodeId)
    {
        var path = new List<Node>();
        for (var n = TryGetNode(nodeId); n is not null; n = n.ParentId is null ? null : TryGetNode(n.ParentId))
        {
            path.Add(n);
        }
        path.Reverse();
        return path;
    }

    public IReadOnlyList<Node> GetChildren(string parentId) =>
        Ordered(_nodes.Values.Where(n => n.ParentId == parentId && n.Kind != NodeKind.Context));

    public IReadOnlyDictionary<string, int> GetChildDescendantCounts(string parentId) => throw new NotSupportedException();

    public IReadOnlyDictionary<string, int> GetChildCounts(IReadOnlyCollection<string> nodeIds) =>
        nodeIds.ToDictionary(id => id, id => _nodes.Values.Count(n => n.ParentId == id && n.Kind != NodeKind.Context));

    public IReadOnlyList<Node> GetCheckedOutPath(string nodeId) => throw new NotSupportedException();

    public IReadOnlyList<Node> GetTreeNodes(string treeId) => Ordered(_nodes.Values.Where(n => n.TreeId == treeId));

    public IReadOnlyList<Node> GetBookmarks(string treeId) => throw new NotSupportedException();

    public Node? GetContextNode(string treeId) => _nodes.Values.FirstOrDefault(n => n.TreeId == treeId && n.Kind == NodeKind.Context);

    public string SampleText(string preferTreeId, int maxChars) => string.Empty;

    public DocumentBinding? GetBinding(string uri) => null;

    public IReadOnlyList<string> GetBoundUris(string treeId) => Array.Empty<string>();

    public IReadOnlyList<NodeSearchHit> Search(string query, int limit) => Array.Empty<NodeSearchHit>();

    public T Write<T>(Func<IStoreWriter, T> write)
    {
        var writer = new Writer(this);
        var result = write(writer);
        foreach (var t in writer.Trees)
        {
            _trees.Add(t.Id, t);
        }
        foreach (var n in writer.Nodes)
        {
            _nodes.Add(n.Id, n);
        }
        DataVersion++;
        return result;
    }

    public void Dispose()
    {
    }

    private static List<Node> Ordered(IEnumerable<Node> nodes) =>
        nodes.OrderBy(n => n.CreatedAt, StringComparer.Ordinal).ThenBy(n => n.Id, StringComparer.Ordinal).ToList();

    private sealed class Writer(MemoryStore store) : IStoreWriter
    {
        public List<TreeRecord> Trees { get; } = new();

        public List<Node> Nodes { get; } = new();

        private int _inserts;

        public void InsertTree(TreeRecord tree)
        {
            Count();
            if (store._trees.ContainsKey(tree.Id) || Trees.Any(t => t.Id == tree.Id))
            {
                throw new StoreWriteException("memory", $"duplicate tree {tree.Id}");
            }
            Trees.Add(tree);
        }

        public void InsertNode(Node node)
        {
            Count();
            if (store._nodes.ContainsKey(node.Id) || Nodes.Any(n => n.Id == node.Id))
            {
                throw new StoreWriteException("memory", $"duplicate node {node.Id}");
            }
            if (node.ParentId is not null && !store._nodes.ContainsKey(node.ParentId) && !Nodes.Any(n => n.Id == node.ParentId))
            {
                throw new StoreWriteException("memory", $"parent {node.ParentId} of {node.Id} not inserted yet");
            }
            Nodes.Add(node);
        }

        private void Count()
        {
            _inserts++;
            if (store.FailAfterInserts is { } limit && _inserts > limit)
            {
                throw new StoreWriteException("memory", "injected failure");
            }
        }

        public void UpdateNodeText(string nodeId, string text) => throw new NotSupportedException();

        public void UpdateNodeMetadata(string nodeId, NodeMetadata metadata) => throw new NotSupportedException();

        public void UpdateNodeParent(string nodeId, string? parentId) => throw new NotSupportedException();

        public void SetContextId(string nodeId, string? contextId) => throw new NotSupportedException();

        public int DeleteSubtree(string nodeId) => throw new NotSupportedException();

        public void SetCheckedOutChild(string parentId, string? nodeId) => throw new NotSupportedException();

        public void SetCurrentNode(string treeId, string nodeId) => throw new NotSupportedException();

        public void SetModelPlan(string treeId, IReadOnlyList<ModelPlanEntry> plan) => throw new NotSupportedException();

        public void SetShowModelNames(string treeId, bool show) => throw new NotSupportedException();

        public void SetTreeName(string treeId, string? name) => throw new NotSupportedException();

        public void SetTreeMetadata(string treeId, NodeMetadata metadata) => throw new NotSupportedException();

        public void SetBinding(string uri, string treeId, string nodeId) => throw new NotSupportedException();

        public void RemoveBinding(string uri) => throw new NotSupportedException();
    }
}
