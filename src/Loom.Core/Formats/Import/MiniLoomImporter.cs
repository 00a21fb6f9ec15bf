using System.Text.Json.Nodes;
using Loom.Core.Editing;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>
/// MiniLoom (JD-P/minihf <c>loom/</c> and JD-P/miniloom) and "tinyloom": nodes hold
/// diff-match-patch patches from the parent's full text to their own. Full texts are rebuilt root
/// down (each parent's once), and each node keeps what it adds to its parent as its Loom segment.
/// A node that rewrites earlier text keeps its full text in metadata (<c>full_text</c>).
/// </summary>
internal static class MiniLoomImporter
{
    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "id", "parent", "children", "patch", "patches", "text", "timestamp", "model", "bookmarked",
        "cachedRenderText", "depth", "treeStats", "cache",
    };

    public static ImportedTree ImportMiniLoom(ImportContext ctx, JVal doc)
    {
        var top = Fields.Object(ctx, doc, "the top level (MiniLoom file)");
        var loomTree = Fields.Object(ctx, top["loomTree"], "'loomTree' (MiniLoom file)");
        var store = Fields.Object(ctx, loomTree["nodeStore"], "'loomTree.nodeStore' (MiniLoom file)");
        var focus = top["focus"] switch
        {
            JObj f => JsonRead.AsId(f["id"]),
            var v => JsonRead.AsId(v),
        };
        return Import(ctx, store, focus, LoomFormat.MiniLoom, modelFromType: false);
    }

    public static ImportedTree ImportTinyLoom(ImportContext ctx, JVal doc)
    {
        var top = Fields.Object(ctx, doc, "the top level (tinyloom file)");
        var nodes = Fields.Object(ctx, top["nodes"], "'nodes' (tinyloom file)");
        var focus = JsonRead.AsId(top["current"]) ?? JsonRead.AsId(top["focus"]);
        return Import(ctx, nodes, focus, LoomFormat.TinyLoom, modelFromType: true);
    }

    private static ImportedTree Import(ImportContext ctx, JObj store, string? focusId, LoomFormat format, bool modelFromType)
    {
        var raws = new List<RawNode>(store.Count);
        var objs = new List<JObj>(store.Count);
        var mismatched = 0;
        foreach (var (key, value) in store.Members)
        {
            var o = value as JObj ?? Fields.Object(ctx, value, $"node '{key}'");
            if (JsonRead.AsId(o["id"]) is { } inner && inner != key)
            {
                mismatched++;
            }
            var describe = new Where(key, raws.Count);
            var raw = new RawNode(key)
            {
                Ordinal = raws.Count,
                SourceParentId = Fields.Id(ctx, o, "parent", describe),
                CreatedAt = Timestamps.FromEpochMs(o.Num("timestamp")),
                Bookmarked = Fields.Flag(o, "bookmarked"),
            };
            var type = o.Str("type");
            if (modelFromType)
            {
                if (type is { Length: > 0 } and not "root" and not "user")
                {
                    raw.Model = type;
                }
            }
            else
            {
                raw.Model = o.Str("model");
                switch (type)
                {
                    case "user" or "import":
                        raw.Metadata["source"] = "human";
                        break;
                    case "rewrite":
                        raw.Metadata["source"] = "edited";
                        break;
                }
            }
            foreach (var (k, v) in o.Members)
            {
                if (!KnownKeys.Contains(k))
                {
                    raw.Metadata[k == "finishReason" ? "finish_reason" : k] = JValConvert.ToNode(v);
                }
            }
            raws.Add(raw);
            objs.Add(o);
        }
        if (raws.Count == 0)
        {
            throw ctx.Fail("the node store is empty");
        }
        if (mismatched > 0)
        {
            ctx.Warn($"{mismatched} node(s) carry an 'id' that differs from their key in the node store; the key was used");
        }
        var index = Linking.IndexById(ctx, raws);
        var roots = Linking.LinkByParentId(ctx, raws, index, DanglingParent.Error);

        // Sibling order: the parent's 'children' list, then any others in file order.
        for (var i = 0; i < raws.Count; i++)
        {
            var raw = raws[i];
            if (raw.Children.Count < 2 || objs[i].Arr("children") is not { } order)
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
            var sorted = raw.Children
                .OrderBy(c => rank.TryGetValue(c.SourceId!, out var r) ? r : int.MaxValue)
                .ThenBy(c => c.Ordinal)
                .ToList();
            raw.Children.Clear();
            raw.Children.AddRange(sorted);
        }

        var root = roots.Count == 1 ? roots[0] : Linking.SyntheticRoot(roots);
        if (roots.Count > 1)
        {
            ctx.Warn($"the file has {roots.Count} nodes without a parent; they became children of a new empty root");
        }

        // Rebuild full texts root down; a node's segment is what it adds to its parent's full text.
        var objOf = new Dictionary<RawNode, JObj>(raws.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < raws.Count; i++)
        {
            objOf[raws[i]] = objs[i];
        }
        var failedHunks = 0;
        var failedNodes = 0;
        var rewrites = 0;
        var stack = new Stack<(RawNode Node, string ParentFull)>();
        stack.Push((root, string.Empty));
        while (stack.Count > 0)
        {
            var (node, parentFull) = stack.Pop();
            var full = parentFull;
            if (objOf.TryGetValue(node, out var o))
            {
                full = FullText(ctx, o, node, parentFull, out var failed);
                if (failed > 0)
                {
                    failedHunks += failed;
                    failedNodes++;
                }
            }
            if (full.StartsWith(parentFull, StringComparison.Ordinal))
            {
                node.Text = full[parentFull.Length..];
            }
            else
            {
                var common = CommonPrefix(parentFull, full);
                node.Text = full[common..];
                node.Metadata["full_text"] = LoneSurrogates.Replace(full);
                rewrites++;
            }
            for (var i = node.Children.Count - 1; i >= 0; i--)
            {
                stack.Push((node.Children[i], full));
            }
        }
        if (failedHunks > 0)
        {
            ctx.Warn($"{failedHunks} patch hunk(s) in {failedNodes} node(s) did not apply; those nodes keep the text that did");
        }
        if (rewrites > 0)
        {
            ctx.Warn($"{rewrites} node(s) rewrite text before their own; each keeps only its new text as its segment and its whole text in metadata 'full_text'");
        }

        RawNode? current = null;
        if (focusId is not null && !index.TryGetValue(focusId, out current))
        {
            ctx.Warn($"the focused node '{focusId}' is not in the node store; the root was selected");
            current = root;
        }
        current ??= format == LoomFormat.MiniLoom ? root : null;
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = format,
            Root = root,
            Current = current,
            Name = BasemodeImporter.DefaultName(ctx),
        });
    }

    private static string FullText(ImportContext ctx, JObj o, RawNode node, string parentFull, out int failed)
    {
        failed = 0;
        var patch = o.Has("patch") ? o["patch"] : o["patches"];
        switch (patch)
        {
            case JArr list:
                return PatchApplier.Apply(parentFull, PatchApplier.Parse(ctx, list, node.Describe()), out failed);
            case null or JNull or JStr { Value: "" }:
                // No patch: tinyloom may hold the segment itself in 'text'.
                return o["text"] is JStr t ? parentFull + t.Value : parentFull;
            default:
                throw ctx.Fail($"{node.Describe()}: 'patch' is {Fields.Article(patch.KindName)}, not a list of diff-match-patch patches");
        }
    }

    private static int CommonPrefix(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        var i = a.AsSpan(0, n).CommonPrefixLength(b.AsSpan(0, n));
        // Never split a surrogate pair between the parent's text and the segment.
        if (i > 0 && i < b.Length && char.IsHighSurrogate(b[i - 1]) && char.IsLowSurrogate(b[i]))
        {
            i--;
        }
        return i;
    }
}
