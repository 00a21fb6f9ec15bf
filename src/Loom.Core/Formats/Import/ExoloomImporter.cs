using System.Text.Json.Nodes;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>
/// Exoloom's JSON export (<c>{loomType: "Exoloom", schemaVersion: 1, tree, lens}</c>). Links are
/// stored both ways; like Tapestry, the tree is walked from <c>rootNodeId</c> through
/// <c>childrenIds</c> (which give sibling order), each node kept once.
/// </summary>
internal static class ExoloomImporter
{
    public static ImportedTree Import(ImportContext ctx, JVal doc)
    {
        var top = Fields.Object(ctx, doc, "the top level (Exoloom export)");
        if (JsonRead.AsInt(top["schemaVersion"]) is { } v && v != 1)
        {
            ctx.Warn($"Exoloom schemaVersion {v} is not the known version 1; reading it anyway");
        }
        var tree = Fields.Object(ctx, top["tree"], "'tree' (Exoloom export)");
        var nodes = Fields.Object(ctx, tree["nodes"], "'tree.nodes' (Exoloom export)");
        var objs = new Dictionary<string, JObj>(nodes.Count, StringComparer.Ordinal);
        foreach (var (key, value) in nodes.Members)
        {
            objs[key] = value as JObj ?? Fields.Object(ctx, value, $"node '{key}'");
        }
        var rootId = JsonRead.AsId(tree["rootNodeId"])
            ?? objs.FirstOrDefault(p => p.Value["parentId"] is null or JNull).Key
            ?? throw ctx.Fail("'tree.rootNodeId' is missing and no node lacks a parent");
        if (!objs.TryGetValue(rootId, out var rootObj))
        {
            throw ctx.Fail($"the root node {rootId} is not in 'tree.nodes'");
        }
        if (rootObj["parentId"] is not (null or JNull))
        {
            ctx.Warn($"the root node {rootId} names a parent; it was treated as the root anyway");
        }

        var raws = new Dictionary<string, RawNode>(StringComparer.Ordinal);
        var root = Read(ctx, rootId, rootObj, raws);
        var stack = new Stack<RawNode>();
        stack.Push(root);
        var missing = 0;
        var repeated = 0;
        var disagree = 0;
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            var obj = objs[node.SourceId!];
            if (obj["childrenIds"] is not (null or JNull) and not JArr)
            {
                throw ctx.Fail($"node {node.SourceId}: 'childrenIds' is {Fields.Describe(obj["childrenIds"])}, not an array");
            }
            if (obj.Arr("childrenIds") is not { } childIds)
            {
                continue;
            }
            foreach (var cidVal in childIds.Items)
            {
                var cid = JsonRead.AsId(cidVal);
                if (cid is null || !objs.TryGetValue(cid, out var childObj))
                {
                    missing++;
                    continue;
                }
                if (raws.ContainsKey(cid))
                {
                    repeated++;
                    continue;
                }
                var child = Read(ctx, cid, childObj, raws);
                if (JsonRead.AsId(childObj["parentId"]) != node.SourceId)
                {
                    disagree++;
                }
                child.Parent = node;
                node.Children.Add(child);
            }
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push(node.Children[i]);
            }
        }
        if (missing > 0)
        {
            ctx.Warn($"{missing} child link(s) name nodes that are not in the file; they were skipped");
        }
        if (repeated > 0)
        {
            ctx.Warn($"{repeated} child link(s) reach a node a second time (a DAG or a cycle); each node was kept once");
        }
        if (disagree > 0)
        {
            ctx.Warn($"{disagree} node(s) have a parentId that disagrees with childrenIds; childrenIds was followed");
        }
        var unreachable = objs.Count - raws.Count;
        if (unreachable > 0)
        {
            ctx.Warn($"{unreachable} node(s) cannot be reached from the root through childrenIds; they were left out");
        }

        if (top.Obj("lens") is { } lens)
        {
            Mark(ctx, lens.Arr("bookmarks"), raws, n => n.Bookmarked = true, "bookmarks");
            Mark(ctx, lens.Arr("prunedNodes"), raws, n => n.Metadata["pruned"] = true, "pruned nodes");
        }
        var treeMeta = new JsonObject();
        if (tree.Str("description") is { Length: > 0 } description)
        {
            treeMeta["description"] = description;
        }
        if (top.Str("version") is { } version)
        {
            treeMeta["exoloom_version"] = version;
        }
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = LoomFormat.Exoloom,
            Root = root,
            Name = tree.Str("title") ?? BasemodeImporter.DefaultName(ctx),
            CreatedAt = Timestamps.FromIso(tree.Str("createdAt")),
            TreeMetadata = treeMeta,
        });
    }

    private static void Mark(ImportContext ctx, JArr? list, Dictionary<string, RawNode> raws, Action<RawNode> mark, string what)
    {
        if (list is null)
        {
            return;
        }
        var unknown = 0;
        foreach (var entry in list.Items)
        {
            var id = entry is JObj o ? JsonRead.AsId(o["nodeId"]) : JsonRead.AsId(entry);
            if (id is not null && raws.TryGetValue(id, out var node))
            {
                mark(node);
            }
            else
            {
                unknown++;
            }
        }
        if (unknown > 0)
        {
            ctx.Warn($"{unknown} of the lens's {what} name nodes not in the tree; they were ignored");
        }
    }

    private static RawNode Read(ImportContext ctx, string id, JObj o, Dictionary<string, RawNode> raws)
    {
        var describe = new Where(id, raws.Count);
        var raw = new RawNode(id)
        {
            Ordinal = raws.Count,
            Text = Fields.Text(ctx, o, "content", describe),
            CreatedAt = Timestamps.FromIso(o.Str("createdAt")),
        };
        var authorType = o.Str("authorType");
        if (authorType == "LLM")
        {
            raw.Model = o.Str("authorName") is { Length: > 0 } name ? name : "unknown";
        }
        else if (authorType == "USER")
        {
            raw.Metadata["source"] = "human";
        }
        raws[id] = raw;
        return raw;
    }
}
