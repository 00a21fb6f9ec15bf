using System.Text.Json.Nodes;
using Loom.Core.Editing;
using Loom.Core.Formats.Json;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Formats.Import;

/// <summary>How the selected path is known.</summary>
internal enum Selection
{
    /// <summary>From <see cref="AssembleRequest.Current"/> (or a default): its ancestry is checked out.</summary>
    FromCurrent,
    /// <summary>From each node's <see cref="RawNode.CheckedOut"/> flag (basemode-loom, Loom): kept as they are.</summary>
    FromFlags,
}

/// <summary>Everything <see cref="TreeAssembler"/> needs besides the nodes.</summary>
internal sealed class AssembleRequest
{
    public required LoomFormat Format { get; init; }

    public required RawNode Root { get; init; }

    public List<RawNode> Contexts { get; init; } = new();

    public RawNode? Current { get; set; }

    public Selection Selection { get; init; } = Selection.FromCurrent;

    public string? Name { get; init; }

    /// <summary>For many-tree files: which part of the file this tree is (a note path).</summary>
    public string? SourcePart { get; init; }

    public IReadOnlyList<ModelPlanEntry> ModelPlan { get; init; } = Array.Empty<ModelPlanEntry>();

    public bool ShowModelNames { get; init; } = true;

    public bool RewindSplitTokens { get; init; }

    public bool Archived { get; init; }

    public string? CreatedAt { get; init; }

    public string? UpdatedAt { get; init; }

    public JsonObject TreeMetadata { get; init; } = new();
}

/// <summary>
/// Turns checked, linked <see cref="RawNode"/>s into store rows: gives ids (keeping well-formed
/// unique ones), fills timestamps, keeps sibling order under the store's (created_at, id) order,
/// sets the selected path and records where the tree came from.
/// </summary>
internal static class TreeAssembler
{
    public static ImportedTree Assemble(ImportContext ctx, AssembleRequest request)
    {
        var root = request.Root;
        root.Kind = NodeKind.Root;
        root.Parent = null;

        // Pre-order, parents before children, each node once.
        var order = new List<RawNode>();
        var stack = new Stack<RawNode>();
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Visited)
            {
                continue;
            }
            node.Visited = true;
            order.Add(node);
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(node.Children[i]);
            }
        }

        foreach (var ctxNode in request.Contexts)
        {
            ctxNode.AssignedId = AssignId(ctx, ctxNode);
        }
        foreach (var node in order)
        {
            node.AssignedId = AssignId(ctx, node);
        }
        var treeId = root.AssignedId!;

        // Selection.
        var current = request.Current is { Visited: true } ? request.Current : null;
        if (request.Current is not null && current is null)
        {
            ctx.Warn($"the selected node {request.Current.Describe()} is not in the tree; the first path was selected instead");
        }
        if (request.Selection == Selection.FromFlags)
        {
            var doubles = 0;
            foreach (var node in order)
            {
                var first = true;
                foreach (var child in node.Children)
                {
                    if (!child.CheckedOut)
                    {
                        continue;
                    }
                    if (first)
                    {
                        child.Selected = true;
                        first = false;
                    }
                    else
                    {
                        doubles++;
                    }
                }
            }
            if (doubles > 0)
            {
                ctx.Warn($"{doubles} node(s) were a second checked-out child of their parent; only the first one per parent stays selected");
            }
            if (current is null)
            {
                current = root;
                while (current.Children.FirstOrDefault(c => c.Selected) is { } next)
                {
                    current = next;
                }
                if (ReferenceEquals(current, root) && root.Children.Count > 0)
                {
                    current = FirstLeaf(root);
                    for (var n = current; n is not null && !ReferenceEquals(n, root); n = n.Parent)
                    {
                        n.Selected = true;
                    }
                }
            }
        }
        else
        {
            current ??= FirstLeaf(root);
            for (var n = current; n is not null && !ReferenceEquals(n, root); n = n.Parent)
            {
                n.Selected = true;
            }
        }

        // Rows.
        var nodes = new List<Node>(order.Count + request.Contexts.Count);
        var fixedSurrogates = 0;
        foreach (var ctxNode in request.Contexts)
        {
            var createdAt = ctxNode.CreatedAt ?? request.CreatedAt ?? root.CreatedAt ?? ctx.NowTimestamp;
            nodes.Add(MakeNode(ctxNode, ctxNode.AssignedId!, treeId, null, NodeKind.Context, null, false, createdAt, ref fixedSurrogates));
        }
        foreach (var node in order)
        {
            var createdAt = node.CreatedAt
                ?? (node.Parent is not null ? node.Parent.EffectiveCreatedAt! : request.CreatedAt ?? ctx.NowTimestamp);
            node.EffectiveCreatedAt = createdAt;
            var kind = ReferenceEquals(node, root) ? NodeKind.Root : NodeKind.Text;
            var parentId = node.Parent?.AssignedId;
            var contextId = node.Context is not null && request.Contexts.Contains(node.Context) ? node.Context.AssignedId : null;
            nodes.Add(MakeNode(node, node.AssignedId!, treeId, parentId, kind, contextId, node.Selected, createdAt, ref fixedSurrogates));
        }
        if (fixedSurrogates > 0)
        {
            ctx.Warn($"{fixedSurrogates} node(s) held a lone UTF-16 surrogate that no neighbour completed; each was replaced by U+FFFD");
        }
        OrderSiblings(nodes);

        var treeMeta = (JsonObject)request.TreeMetadata.DeepClone();
        var import = new JsonObject
        {
            ["format"] = request.Format.Name(),
            ["file"] = ctx.File,
        };
        if (request.SourcePart is not null)
        {
            import["part"] = request.SourcePart;
        }
        treeMeta["import"] = import;

        var rootCreated = nodes.First(n => n.Kind == NodeKind.Root).CreatedAt;
        var tree = new TreeRecord(
            treeId,
            current.AssignedId,
            request.Name,
            request.ShowModelNames,
            request.RewindSplitTokens,
            request.ModelPlan,
            request.CreatedAt ?? rootCreated,
            request.UpdatedAt ?? ctx.NowTimestamp,
            NodeMetadata.Parse(treeMeta.ToJsonString()),
            request.Archived);
        return new ImportedTree(tree, nodes, request.Format, ctx.File, request.SourcePart, ctx.TakeWarnings());
    }

    private static RawNode FirstLeaf(RawNode root)
    {
        var n = root;
        while (n.Children.Count > 0)
        {
            n = n.Children[0];
        }
        return n;
    }

    private static string AssignId(ImportContext ctx, RawNode node)
    {
        if (node.SourceId is { } id && IsWellFormedId(id) && ctx.UsedIds.Add(id))
        {
            return id;
        }
        string fresh;
        do
        {
            fresh = Ids.NewId();
        }
        while (!ctx.UsedIds.Add(fresh));
        if (node.SourceId is not null && node.MetadataIfAny?.ContainsKey("source_id") != true)
        {
            node.Metadata["source_id"] = node.SourceId;
        }
        return fresh;
    }

    /// <summary><see cref="Ids.IsWellFormed"/> without LINQ (called once per imported node).</summary>
    private static bool IsWellFormedId(string id)
    {
        if (id.Length != 32)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }
        return true;
    }

    private static Node MakeNode(RawNode raw, string id, string treeId, string? parentId, NodeKind kind,
        string? contextId, bool checkedOut, string createdAt, ref int fixedSurrogates)
    {
        var text = LoneSurrogates.Replace(raw.Text);
        if (!ReferenceEquals(text, raw.Text))
        {
            fixedSurrogates++;
        }
        if (raw.Bookmarked)
        {
            raw.Metadata[NodeMetadata.Bookmarked] = true;
        }
        var meta = raw.MetadataIfAny;
        NodeMetadata metadata;
        if (raw.SourceMetadata is { } source)
        {
            if (meta is null)
            {
                // The file's object as it is: written straight to JSON and read lazily, no copies.
                metadata = source.Count == 0 ? NodeMetadata.Empty : NodeMetadata.Parse(JValConvert.ToJsonText(source));
            }
            else
            {
                var merged = new JsonObject();
                JValConvert.CopyInto(source, merged);
                foreach (var (k, v) in meta)
                {
                    merged[k] = v?.DeepClone();
                }
                metadata = NodeMetadata.From(merged);
            }
        }
        else
        {
            metadata = meta is null ? NodeMetadata.Empty : NodeMetadata.From(meta);
        }
        return new Node(id, treeId, parentId, kind, text, contextId, raw.Model, raw.Strategy, raw.MaxTokens,
            raw.Temperature, checkedOut && parentId is not null, createdAt, metadata);
    }

    /// <summary>
    /// The store orders siblings by (created_at, id). Nodes arrive in pre-order with siblings in the
    /// source's order; where that order would not survive, a sibling's created_at is moved one
    /// microsecond past its elder sibling's.
    /// </summary>
    internal static void OrderSiblings(List<Node> nodes)
    {
        var lastChild = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.ParentId is null || node.Kind == NodeKind.Context)
            {
                continue;
            }
            if (lastChild.TryGetValue(node.ParentId, out var prevIndex))
            {
                var prev = nodes[prevIndex];
                var c = string.CompareOrdinal(node.CreatedAt, prev.CreatedAt);
                if (c < 0 || (c == 0 && string.CompareOrdinal(node.Id, prev.Id) <= 0))
                {
                    nodes[i] = node = node with { CreatedAt = Timestamps.Next(prev.CreatedAt) };
                }
            }
            lastChild[node.ParentId] = i;
        }
    }
}
