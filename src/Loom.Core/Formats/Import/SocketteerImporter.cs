using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>
/// socketteer/loom ("pyloom") files: the full save, its subtree export, the simple
/// <c>{text, children}</c> tree, a bare array of nodes, and the JSONL export.
/// </summary>
internal static class SocketteerImporter
{
    /// <summary>The model of a generated node whose model name the file no longer has (Tapestry says "Unknown Model").</summary>
    public const string UnknownModel = "unknown";

    private static readonly HashSet<string> MappedMetaKeys = new(StringComparer.Ordinal) { "source", "creation_timestamp" };

    private static readonly HashSet<string> KnownNodeKeys = new(StringComparer.Ordinal)
    {
        "id", "text", "children", "parent_id", "parentId", "meta", "generation", "tags", "bookmark",
        "visited", "open", "mutable", "masked_head", "tail_id", "hoisted",
    };

    public static ImportedTree Import(ImportContext ctx, JVal doc)
    {
        RawNode root;
        JObj? top = null;
        var all = new List<RawNode>();
        Dictionary<string, JObj>? responses = null;
        if (doc is JArr array)
        {
            // Variant 4: a bare array of nodes under a new empty root.
            root = new RawNode(null) { Ordinal = 0 };
            all.Add(root);
            foreach (var item in array.Items)
            {
                var child = ReadTree(ctx, Fields.Object(ctx, item, $"item #{all.Count} of the top-level array"), all, null);
                child.Parent = root;
                root.Children.Add(child);
            }
        }
        else
        {
            top = Fields.Object(ctx, doc, "the top level (socketteer/loom save)");
            if (top["model_responses"] is JObj mr)
            {
                responses = new Dictionary<string, JObj>(StringComparer.Ordinal);
                foreach (var (k, v) in mr.Members)
                {
                    if (v is JObj r)
                    {
                        responses[k] = r;
                    }
                }
            }
            var rootObj = top.Has("root")
                ? Fields.Object(ctx, top["root"], "'root' (socketteer/loom save)")
                : top; // Variant 3: the simple tree is a bare node.
            if (!ReferenceEquals(rootObj, top) || top.Has("text") || top.Has("children"))
            {
                root = ReadTree(ctx, rootObj, all, responses);
            }
            else
            {
                throw ctx.Fail("expected a socketteer/loom save (an object with a 'root' node) or a node with 'text' and 'children'");
            }
        }

        // Chapters: a node that starts a chapter becomes a bookmark (Tapestry's choice), title kept.
        var byId = new Dictionary<string, RawNode>(StringComparer.Ordinal);
        var duplicates = 0;
        foreach (var n in all)
        {
            if (n.SourceId is not null && !byId.TryAdd(n.SourceId, n))
            {
                duplicates++;
            }
        }
        if (duplicates > 0)
        {
            ctx.Warn($"{duplicates} node(s) repeat an id used earlier in the file; they were given new ids (the first keeps the id)");
        }
        if (top?["chapters"] is JObj chapters)
        {
            foreach (var (_, v) in chapters.Members)
            {
                if (v is JObj ch && ch.IdLike("root_id") is { } rid && byId.TryGetValue(rid, out var start))
                {
                    start.Bookmarked = true;
                    if (ch.Str("title") is { } title)
                    {
                        start.Metadata["chapter"] = title;
                    }
                }
            }
        }

        RawNode? current = null;
        if (top?.IdLike("selected_node_id") is { } selected)
        {
            if (!byId.TryGetValue(selected, out current))
            {
                ctx.Warn($"selected_node_id '{selected}' names no node; the first path was selected instead");
            }
        }
        current ??= root.Children.Count > 0 ? null : root;

        var treeMeta = new JsonObject();
        if (top is not null)
        {
            var keep = new JsonObject();
            foreach (var key in new[] { "chapters", "tags", "generation_settings", "summaries" })
            {
                if (top[key] is JObj o && o.Count > 0)
                {
                    keep[key] = JValConvert.ToNode(o);
                }
            }
            if (keep.Count > 0)
            {
                treeMeta["socketteer"] = keep;
            }
        }
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = LoomFormat.Socketteer,
            Root = root,
            Current = current,
            Name = BasemodeImporter.DefaultName(ctx),
            TreeMetadata = treeMeta,
        });
    }

    /// <summary>Reads a nested node and everything below it, with an explicit stack.</summary>
    private static RawNode ReadTree(ImportContext ctx, JObj rootObj, List<RawNode> all, Dictionary<string, JObj>? responses)
    {
        var root = ReadNode(ctx, rootObj, all, responses);
        var stack = new Stack<(JObj Obj, RawNode Node)>();
        stack.Push((rootObj, root));
        var masked = 0;
        while (stack.Count > 0)
        {
            var (obj, node) = stack.Pop();
            if (obj.Has("masked_head"))
            {
                masked++;
            }
            switch (obj["children"])
            {
                case null or JNull:
                    break;
                case JArr children:
                    foreach (var item in children.Items)
                    {
                        var childObj = Fields.Object(ctx, item, $"a child of {node.Describe()}");
                        var child = ReadNode(ctx, childObj, all, responses);
                        child.Parent = node;
                        node.Children.Add(child);
                        stack.Push((childObj, child));
                    }
                    break;
                case var other:
                    throw ctx.Fail($"{node.Describe()}: 'children' is {Fields.Article(other.KindName)}, not an array");
            }
        }
        if (masked > 0)
        {
            ctx.Warn($"{masked} zipped or hoisted node(s) hide a 'masked_head' subtree; the visible nodes were imported, the masked copies left out");
        }
        return root;
    }

    private static RawNode ReadNode(ImportContext ctx, JObj o, List<RawNode> all, Dictionary<string, JObj>? responses)
    {
        var ordinal = all.Count;
        var id = Fields.Id(ctx, o, "id", new Where(null, ordinal));
        var describe = new Where(id, ordinal);
        var raw = new RawNode(id)
        {
            Ordinal = ordinal,
            Text = Fields.Text(ctx, o, "text", describe),
        };
        all.Add(raw);
        if (o["tags"] is JArr tags && tags.Items.Any(t => t is JStr { Value: "bookmark" }) || Fields.Flag(o, "bookmark"))
        {
            raw.Bookmarked = true;
        }
        var meta = o.Obj("meta");
        if (meta is not null)
        {
            raw.CreatedAt = Timestamps.FromSocketteer(meta.Str("creation_timestamp"));
            switch (meta.Str("source"))
            {
                case "prompt":
                    raw.Metadata["source"] = "human";
                    break;
                case "mixed":
                    raw.Metadata["source"] = "edited";
                    break;
            }
            if (meta.Obj("generation") is { } oldGen)
            {
                // Files from before August 2021.
                raw.Model = oldGen.Str("model");
            }
        }
        if (o.Obj("generation") is { } gen && gen.IdLike("id") is { } genId)
        {
            raw.Metadata["generation_id"] = genId;
            if (responses is not null && responses.TryGetValue(genId, out var response))
            {
                raw.Model ??= response.Str("model");
                var index = JsonRead.AsInt(gen["index"]) ?? 0;
                if (response.Arr("completions") is { } completions && index >= 0 && index < completions.Count &&
                    completions[index] is JObj completion)
                {
                    if (completion.Str("finishReason") is { } finish)
                    {
                        raw.Metadata["finish_reason"] = finish;
                    }
                    if (completion.Arr("tokens") is { Count: > 0 } tokens)
                    {
                        raw.Metadata["source_logprobs"] = ReadTokens(tokens);
                    }
                }
            }
        }
        if (raw.Model is null && meta?.Str("source") == "AI")
        {
            // Generated, but the save moved the model's name away (model_responses is usually emptied).
            raw.Model = UnknownModel;
        }
        var extra = new JsonObject();
        if (meta is not null && meta.Members.Any(m => !MappedMetaKeys.Contains(m.Key)))
        {
            // What Loom has no column for (modified, origin, old generation data); source and time are mapped.
            var keep = new JsonObject();
            JValConvert.CopyInto(meta, keep, MappedMetaKeys);
            extra["meta"] = keep;
        }
        if (o["tags"] is JArr { Count: > 0 } t)
        {
            extra["tags"] = JValConvert.ToNode(t);
        }
        foreach (var (k, v) in o.Members)
        {
            if (!KnownNodeKeys.Contains(k))
            {
                extra[k] = JValConvert.ToNode(v);
            }
        }
        if (extra.Count > 0)
        {
            raw.Metadata["socketteer"] = extra;
        }
        return raw;
    }

    private static JsonArray ReadTokens(JArr tokens)
    {
        var result = new JsonArray();
        foreach (var t in tokens.Items.OfType<JObj>())
        {
            if (t.Obj("generatedToken") is not { } g)
            {
                continue;
            }
            var entry = new JsonObject
            {
                ["token"] = g.Str("token"),
                ["logprob"] = g.Num("logprob") is { } lp && double.IsFinite(lp) ? lp : null,
            };
            if (t.Obj("counterfactuals") is { } cf)
            {
                var top = new JsonObject();
                foreach (var (k, v) in cf.Members)
                {
                    top[k] = v is JNum n && double.IsFinite(n.Value) ? n.Value : null;
                }
                entry["top"] = top;
            }
            result.Add(entry);
        }
        return result;
    }

    /// <summary>True when every non-empty line is a JSON object with "id" and "text" (the JSONL export).</summary>
    public static bool LooksLikeJsonl(ReadOnlySpan<byte> data)
    {
        var any = false;
        foreach (var line in Lines(data))
        {
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                if (TolerantJson.Parse(line) is not JObj o || !o.Has("id") || !o.Has("text"))
                {
                    return false;
                }
            }
            catch (TolerantJsonException)
            {
                return false;
            }
            any = true;
        }
        return any;
    }

    public static ImportedTree ImportJsonl(ImportContext ctx, ReadOnlySpan<byte> data)
    {
        var raws = new List<RawNode>();
        var lineNo = 0;
        foreach (var line in Lines(data))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }
            JVal parsed;
            try
            {
                parsed = TolerantJson.Parse(line);
            }
            catch (TolerantJsonException e)
            {
                throw ctx.Fail($"line {lineNo} is not valid JSON ({e.Reason})", e);
            }
            var o = Fields.Object(ctx, parsed, $"line {lineNo}");
            var describe = $"line {lineNo}";
            var raw = new RawNode(Fields.Id(ctx, o, "id", describe))
            {
                Ordinal = raws.Count,
                Text = Fields.Text(ctx, o, "text", describe),
                SourceParentId = Fields.Id(ctx, o, "parent_id", describe),
            };
            raws.Add(raw);
        }
        var index = Linking.IndexById(ctx, raws);
        var roots = Linking.LinkByParentId(ctx, raws, index, DanglingParent.Error);
        var root = roots.Count == 1 ? roots[0] : Linking.SyntheticRoot(roots);
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = LoomFormat.Socketteer,
            Root = root,
            Name = BasemodeImporter.DefaultName(ctx),
            SourcePart = "jsonl",
        });
    }

    private static List<byte[]> Lines(ReadOnlySpan<byte> data)
    {
        var lines = new List<byte[]>();
        while (!data.IsEmpty)
        {
            var nl = data.IndexOf((byte)'\n');
            var line = nl < 0 ? data : data[..nl];
            data = nl < 0 ? ReadOnlySpan<byte>.Empty : data[(nl + 1)..];
            line = line.Trim("\r \t"u8);
            lines.Add(line.ToArray());
        }
        return lines;
    }

    internal static string Preview(string text) =>
        text.Length <= 40 ? text : new StringBuilder(text, 0, 40, 43).Append('…').ToString();
}
