namespace Loom.Core.Formats.Import;

/// <summary>What to do with a node whose parent id names no node in the file.</summary>
internal enum DanglingParent
{
    /// <summary>Refuse the file.</summary>
    Error,
    /// <summary>Treat the node as one more root (Loomsidian does this), with a warning.</summary>
    TreatAsRoot,
}

/// <summary>Checks and links flat node lists (id + parent id) without recursion.</summary>
internal static class Linking
{
    /// <summary>Indexes nodes by source id; missing or repeated ids are errors.</summary>
    public static Dictionary<string, RawNode> IndexById(ImportContext ctx, IReadOnlyList<RawNode> nodes)
    {
        var index = new Dictionary<string, RawNode>(nodes.Count, StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (node.SourceId is null)
            {
                throw ctx.Fail($"node #{node.Ordinal + 1} has no id");
            }
            if (!index.TryAdd(node.SourceId, node))
            {
                var first = index[node.SourceId];
                throw ctx.Fail($"two nodes have the id '{node.SourceId}' (nodes #{first.Ordinal + 1} and #{node.Ordinal + 1})");
            }
        }
        return index;
    }

    /// <summary>
    /// Links every node to the node its <see cref="RawNode.SourceParentId"/> names, keeping file order
    /// among siblings, and returns the roots. Then checks that every node hangs below a root (else the
    /// links form a cycle, which is reported).
    /// </summary>
    public static List<RawNode> LinkByParentId(ImportContext ctx, IReadOnlyList<RawNode> nodes,
        Dictionary<string, RawNode> index, DanglingParent dangling)
    {
        var roots = new List<RawNode>();
        var danglingCount = 0;
        foreach (var node in nodes)
        {
            if (node.SourceParentId is null)
            {
                roots.Add(node);
                continue;
            }
            if (index.TryGetValue(node.SourceParentId, out var parent))
            {
                if (ReferenceEquals(parent, node))
                {
                    throw ctx.Fail($"{node.Describe()} is its own parent (a cycle)");
                }
                node.Parent = parent;
                parent.Children.Add(node);
                continue;
            }
            if (dangling == DanglingParent.Error)
            {
                throw ctx.Fail($"{node.Describe()} names a parent '{node.SourceParentId}' that is not in the file");
            }
            danglingCount++;
            roots.Add(node);
        }
        if (danglingCount > 0)
        {
            ctx.Warn($"{danglingCount} node(s) name a parent that is not in the file; they were treated as roots");
        }
        CheckAllReachable(ctx, nodes, roots);
        return roots;
    }

    /// <summary>Throws naming a cycle when some node cannot be reached from <paramref name="roots"/>.</summary>
    public static void CheckAllReachable(ImportContext ctx, IReadOnlyList<RawNode> nodes, IReadOnlyList<RawNode> roots)
    {
        var reached = CountReachable(roots);
        if (reached == nodes.Count)
        {
            return;
        }
        var seen = new HashSet<RawNode>(ReferenceEqualityComparer.Instance);
        foreach (var root in roots)
        {
            Walk(root, n => seen.Add(n));
        }
        var start = nodes.First(n => !seen.Contains(n));
        var path = new List<RawNode>();
        var onPath = new HashSet<RawNode>(ReferenceEqualityComparer.Instance);
        var at = start;
        while (at is not null && onPath.Add(at))
        {
            path.Add(at);
            at = at.Parent;
        }
        if (at is null)
        {
            throw ctx.Fail($"{start.Describe()} cannot be reached from the root");
        }
        var cycle = path.SkipWhile(n => !ReferenceEquals(n, at)).Select(n => n.SourceId ?? $"#{n.Ordinal + 1}").ToList();
        cycle.Add(cycle[0]);
        var shown = cycle.Count > 8 ? cycle.Take(4).Append("…").Concat(cycle.TakeLast(2)) : cycle;
        throw ctx.Fail($"the parent links form a cycle ({cycle.Count - 1} nodes): {string.Join(" → ", shown)}");
    }

    public static int CountReachable(IEnumerable<RawNode> roots)
    {
        var count = 0;
        foreach (var root in roots)
        {
            Walk(root, _ => count++);
        }
        return count;
    }

    /// <summary>Pre-order walk (parents before children, siblings in order) with an explicit stack.</summary>
    public static void Walk(RawNode root, Action<RawNode> visit)
    {
        var stack = new Stack<RawNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            visit(node);
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(node.Children[i]);
            }
        }
    }

    /// <summary>A new empty root holding <paramref name="roots"/> as its children (for files with several roots).</summary>
    public static RawNode SyntheticRoot(IReadOnlyList<RawNode> roots)
    {
        var root = new RawNode(null) { Kind = Tree.NodeKind.Root };
        root.Metadata["synthetic_root"] = true;
        foreach (var r in roots)
        {
            r.Parent = root;
            root.Children.Add(r);
        }
        return root;
    }
}
