using System.Text.Json.Nodes;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>
/// Bonsai's node list as basemode-loom parses it (<c>nodes[]</c> with <c>parentIds</c>) and
/// tel-0s/damask's richer shape (<c>childrenIds</c>, <c>pathNodes</c>, <c>focusedId</c>). When every
/// child's text starts with its parent's, the texts are taken as full texts and cut to segments.
/// </summary>
internal static class BonsaiImporter
{
    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "id", "text", "parentIds", "childrenIds", "model", "type", "createdAt", "bookmarked",
    };

    public static ImportedTree Import(ImportContext ctx, JVal doc)
    {
        var top = Fields.Object(ctx, doc, "the top level (Bonsai file)");
        var list = Fields.Array(ctx, top["nodes"], "'nodes' (Bonsai file)");
        var raws = new List<RawNode>(list.Count);
        var objs = new List<JObj>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var o = Fields.Object(ctx, list[i], new Where(null, i));
            var id = Fields.Id(ctx, o, "id", new Where(null, i));
            var describe = new Where(id, i);
            var raw = new RawNode(id)
            {
                Ordinal = i,
                Text = Fields.Text(ctx, o, "text", describe),
                Bookmarked = Fields.Flag(o, "bookmarked"),
                CreatedAt = o["createdAt"] switch
                {
                    JNum n => Timestamps.FromEpochMs(n.Value),
                    JStr s => Timestamps.FromIso(s.Value),
                    _ => null,
                },
            };
            if (o["parentIds"] is JArr parents && parents.Count > 0)
            {
                raw.SourceParentId = JsonRead.AsId(parents[0]);
                if (parents.Count > 1)
                {
                    raw.Metadata["other_parents"] = JValConvert.ToNode(new JArrSlice(parents, 1).ToArr());
                }
            }
            var model = o.Str("model") ?? o.Str("type");
            if (model is { Length: > 0 } && model is not ("user" or "human" or "prompt" or "root"))
            {
                raw.Model = model;
            }
            foreach (var (k, v) in o.Members)
            {
                if (!KnownKeys.Contains(k))
                {
                    raw.Metadata[k] = JValConvert.ToNode(v);
                }
            }
            raws.Add(raw);
            objs.Add(o);
        }
        if (raws.Count == 0)
        {
            throw ctx.Fail("'nodes' is empty");
        }
        var index = Linking.IndexById(ctx, raws);

        // Nodes without parentIds may still be named in a parent's childrenIds (damask).
        for (var i = 0; i < raws.Count; i++)
        {
            if (objs[i].Arr("childrenIds") is not { } kids)
            {
                continue;
            }
            foreach (var kid in kids.Items)
            {
                if (JsonRead.AsId(kid) is { } kidId && index.TryGetValue(kidId, out var child) && child.SourceParentId is null)
                {
                    child.SourceParentId = raws[i].SourceId;
                }
            }
        }
        var roots = Linking.LinkByParentId(ctx, raws, index, DanglingParent.Error);
        for (var i = 0; i < raws.Count; i++)
        {
            var raw = raws[i];
            if (raw.Children.Count < 2 || objs[i].Arr("childrenIds") is not { } order)
            {
                continue;
            }
            var rank = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var r = 0; r < order.Count; r++)
            {
                if (JsonRead.AsId(order[r]) is { } cid)
                {
                    rank.TryAdd(cid, r);
                }
            }
            var sorted = raw.Children.OrderBy(c => rank.TryGetValue(c.SourceId!, out var r) ? r : int.MaxValue).ThenBy(c => c.Ordinal).ToList();
            raw.Children.Clear();
            raw.Children.AddRange(sorted);
        }
        var root = roots.Count == 1 ? roots[0] : Linking.SyntheticRoot(roots);
        if (roots.Count > 1)
        {
            ctx.Warn($"the file has {roots.Count} nodes without a parent; they became children of a new empty root");
        }

        // Full texts or segments?
        var nonRoot = raws.Where(r => r.Parent is not null).ToList();
        var fullTexts = nonRoot.Count > 0
            && nonRoot.Any(r => r.Parent!.Text.Length > 0)
            && nonRoot.All(r => r.Text.StartsWith(r.Parent!.Text, StringComparison.Ordinal));
        if (fullTexts)
        {
            // Cut children first (deepest first), so each parent still has its full text when read.
            var orderList = new List<RawNode>();
            Linking.Walk(root, orderList.Add);
            for (var i = orderList.Count - 1; i >= 0; i--)
            {
                var n = orderList[i];
                if (n.Parent is not null)
                {
                    n.Text = n.Text[n.Parent.Text.Length..];
                }
            }
            ctx.Warn("every node's text starts with its parent's, so the texts were read as full texts and cut into segments");
        }

        RawNode? current = null;
        var focus = JsonRead.AsId(top["focusedId"]);
        if (focus is null && top["pathNodes"] is JArr { Count: > 0 } path)
        {
            focus = JsonRead.AsId(path[path.Count - 1]);
        }
        if (focus is not null && !index.TryGetValue(focus, out current))
        {
            ctx.Warn($"the focused node '{focus}' is not in the file; the first path was selected instead");
        }
        var treeMeta = new JsonObject();
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = LoomFormat.Bonsai,
            Root = root,
            Current = current,
            Name = top.Str("name") ?? BasemodeImporter.DefaultName(ctx),
            TreeMetadata = treeMeta,
        });
    }

    private readonly struct JArrSlice(JArr source, int from)
    {
        public JArr ToArr()
        {
            var arr = new JArr();
            for (var i = from; i < source.Count; i++)
            {
                arr.Items.Add(source[i]);
            }
            return arr;
        }
    }
}
