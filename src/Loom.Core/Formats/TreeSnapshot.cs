using System.Text;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Formats;

/// <summary>
/// One tree read whole (two store queries), with the child lists and lookups exporters need.
/// Children are ordered as the store orders them: created_at, then id.
/// </summary>
public sealed class TreeSnapshot
{
    private readonly Dictionary<string, Node> _byId;
    private readonly Dictionary<string, List<Node>> _children;

    public TreeSnapshot(TreeRecord tree, IReadOnlyList<Node> nodes)
    {
        Tree = tree;
        Nodes = nodes;
        _byId = new Dictionary<string, Node>(nodes.Count, StringComparer.Ordinal);
        _children = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            _byId[n.Id] = n;
        }
        foreach (var n in nodes)
        {
            if (n.Kind == NodeKind.Context || n.ParentId is null)
            {
                continue;
            }
            if (!_children.TryGetValue(n.ParentId, out var list))
            {
                _children[n.ParentId] = list = new List<Node>(2);
            }
            list.Add(n);
        }
        foreach (var list in _children.Values)
        {
            // The store already returns nodes in (created_at, id) order; sort only what is not.
            if (list.Count > 1 && !IsOrdered(list))
            {
                list.Sort(Compare);
            }
        }
        Root = nodes.FirstOrDefault(n => n.Kind == NodeKind.Root && n.Id == tree.Id)
            ?? nodes.FirstOrDefault(n => n.Kind == NodeKind.Root)
            ?? throw new LoomStoreException($"tree '{tree.Id}' has no root node");
    }

    private static int Compare(Node a, Node b)
    {
        var c = string.CompareOrdinal(a.CreatedAt, b.CreatedAt);
        return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
    }

    private static bool IsOrdered(List<Node> list)
    {
        for (var i = 1; i < list.Count; i++)
        {
            if (Compare(list[i - 1], list[i]) > 0)
            {
                return false;
            }
        }
        return true;
    }

    public static TreeSnapshot FromStore(ILoomStore store, string treeId)
    {
        var tree = store.GetTree(treeId);
        return new TreeSnapshot(tree, store.GetTreeNodes(treeId));
    }

    public static TreeSnapshot FromImported(ImportedTree imported) => new(imported.Tree, imported.Nodes);

    public TreeRecord Tree { get; }

    /// <summary>Every node, context nodes included.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    public Node Root { get; }

    public IEnumerable<Node> Contexts => Nodes.Where(n => n.Kind == NodeKind.Context);

    public Node? Context => Root.ContextId is { } cid && _byId.TryGetValue(cid, out var c) ? c : Contexts.FirstOrDefault();

    public Node? Find(string id) => _byId.GetValueOrDefault(id);

    public IReadOnlyList<Node> ChildrenOf(string id) =>
        _children.TryGetValue(id, out var list) ? list : Array.Empty<Node>();

    /// <summary>The current node (the tree's cursor, else the end of the checked-out path).</summary>
    public Node Current
    {
        get
        {
            if (Tree.CurrentNodeId is { } cur && Find(cur) is { Kind: not NodeKind.Context } n)
            {
                return n;
            }
            var at = Root;
            while (ChildrenOf(at.Id).FirstOrDefault(c => c.CheckedOut) is { } next)
            {
                at = next;
            }
            return at;
        }
    }

    /// <summary>Root..node inclusive.</summary>
    public IReadOnlyList<Node> Lineage(string nodeId)
    {
        var node = Find(nodeId) ?? throw new NodeNotFoundException(nodeId);
        var path = new List<Node>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var at = node; at is not null && seen.Add(at.Id); at = at.ParentId is null ? null : Find(at.ParentId))
        {
            path.Add(at);
        }
        path.Reverse();
        return path;
    }

    /// <summary>The text at <paramref name="nodeId"/>: the segments from the root down to it.</summary>
    public string PathText(string nodeId)
    {
        var sb = new StringBuilder();
        foreach (var n in Lineage(nodeId))
        {
            sb.Append(n.Text);
        }
        return sb.ToString();
    }

    /// <summary>Pre-order (parents first, siblings in order), context nodes excluded; no recursion.</summary>
    public IEnumerable<(Node Node, int Depth)> PreOrder()
    {
        var stack = new Stack<(Node, int)>();
        stack.Push((Root, 0));
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            yield return (node, depth);
            var kids = ChildrenOf(node.Id);
            for (var i = kids.Count - 1; i >= 0; i--)
            {
                stack.Push((kids[i], depth + 1));
            }
        }
    }
}
