using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>
/// The legacy Tapestry Loom Obsidian plugin: the note's YAML front matter holds
/// <c>TapestryLoomWeave</c> (a serialize-javascript literal with <c>new Map</c> and <c>new Set</c>) or
/// <c>TapestryLoomWeaveCompressed</c> (the same, zlib-deflated and base64-encoded). The document is
/// <c>{identifier, models: Map, nodes: Map&lt;id, {identifier, content, model?, parentNode?}&gt;,
/// rootNodes: Set, nodeChildren: Map&lt;id, Set&gt;, currentNode?, bookmarks: Set}</c>.
/// </summary>
internal static class TapestryLegacyImporter
{
    private const string Key = "TapestryLoomWeave";
    private const string CompressedKey = "TapestryLoomWeaveCompressed";

    public static ImportedTree Import(ImportContext ctx, ReadOnlySpan<byte> data)
    {
        var text = Encoding.UTF8.GetString(data).Replace("\r\n", "\n");
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }
        var lines = text.Split('\n');
        if (lines.Length == 0 || lines[0].TrimEnd() != "---")
        {
            throw ctx.Fail("expected a Markdown note starting with YAML front matter ('---')");
        }
        var end = Array.FindIndex(lines, 1, l => l.TrimEnd() is "---" or "...");
        if (end < 0)
        {
            throw ctx.Fail("the front matter is never closed (no second '---' line)");
        }
        var front = lines[1..end];
        string literal;
        if (FindValue(front, CompressedKey) is { } compressed)
        {
            literal = Inflate(ctx, compressed);
        }
        else if (FindValue(front, Key) is { } plain)
        {
            literal = plain;
        }
        else
        {
            throw ctx.Fail($"the front matter has neither '{Key}' nor '{CompressedKey}'");
        }

        JVal doc;
        try
        {
            doc = TolerantJson.ParseJavaScriptLiteral(Encoding.UTF8.GetBytes(literal));
        }
        catch (TolerantJsonException e)
        {
            throw ctx.Fail($"the weave in the front matter cannot be read: {e.Message}", e);
        }
        return Convert(ctx, Fields.Object(ctx, doc, "the weave (legacy Tapestry)"));
    }

    private static ImportedTree Convert(ImportContext ctx, JObj weave)
    {
        var models = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (id, value) in Pairs(ctx, weave["models"], "models"))
        {
            if (value is JObj m && m.Str("label") is { Length: > 0 } label)
            {
                models[id] = label;
            }
        }
        var raws = new List<RawNode>();
        foreach (var (id, value) in Pairs(ctx, weave["nodes"], "nodes"))
        {
            var o = Fields.Object(ctx, value, $"node '{id}'");
            var raw = new RawNode(id)
            {
                Ordinal = raws.Count,
                SourceParentId = JsonRead.AsId(o["parentNode"]),
            };
            switch (o["content"])
            {
                case JStr s:
                    raw.Text = s.Value;
                    break;
                case JArr tokens:
                    var sb = new StringBuilder();
                    var probs = new JsonArray();
                    foreach (var t in tokens.Items)
                    {
                        if (t is JArr { Count: 2 } pair && pair[1] is JStr tok)
                        {
                            sb.Append(tok.Value);
                            probs.Add(new JsonObject
                            {
                                ["token"] = tok.Value,
                                ["probability"] = pair[0] is JNum p && double.IsFinite(p.Value) ? p.Value : null,
                            });
                        }
                        else
                        {
                            throw ctx.Fail($"node '{id}': a token should be [probability, text]");
                        }
                    }
                    raw.Text = sb.ToString();
                    raw.Metadata["source_token_probabilities"] = probs;
                    break;
                case null or JNull:
                    break;
                case var other:
                    throw ctx.Fail($"node '{id}': 'content' is {Fields.Article(other.KindName)}, not text or tokens");
            }
            if (JsonRead.AsId(o["model"]) is { } modelId)
            {
                raw.Model = models.GetValueOrDefault(modelId) ?? modelId;
            }
            if (o.Obj("parameters") is { } parameters)
            {
                raw.Metadata["parameters"] = JValConvert.ToNode(parameters);
            }
            raws.Add(raw);
        }
        if (raws.Count == 0)
        {
            throw ctx.Fail("the weave has no nodes");
        }
        var index = Linking.IndexById(ctx, raws);
        var roots = Linking.LinkByParentId(ctx, raws, index, DanglingParent.Error);

        // Sibling order from nodeChildren (Sets keep insertion order), then the order of rootNodes.
        foreach (var (id, value) in Pairs(ctx, weave["nodeChildren"], "nodeChildren"))
        {
            if (!index.TryGetValue(id, out var parent) || value is not JArr order || parent.Children.Count < 2)
            {
                continue;
            }
            Reorder(parent.Children, order);
        }
        if (weave["rootNodes"] is JArr rootOrder && roots.Count > 1)
        {
            Reorder(roots, rootOrder);
        }
        var root = roots.Count == 1 ? roots[0] : Linking.SyntheticRoot(roots);
        if (roots.Count > 1)
        {
            ctx.Warn($"the weave has {roots.Count} root nodes; they became children of a new empty root");
        }
        if (weave["bookmarks"] is JArr bookmarks)
        {
            foreach (var b in bookmarks.Items)
            {
                if (JsonRead.AsId(b) is { } bid && index.TryGetValue(bid, out var marked))
                {
                    marked.Bookmarked = true;
                }
            }
        }
        RawNode? current = null;
        if (JsonRead.AsId(weave["currentNode"]) is { } cur && !index.TryGetValue(cur, out current))
        {
            ctx.Warn($"the current node '{cur}' is not in the weave; the first path was selected instead");
        }
        var treeMeta = new JsonObject();
        if (weave.IdLike("identifier") is { } identifier)
        {
            treeMeta["tapestry_identifier"] = identifier;
        }
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = LoomFormat.TapestryLegacy,
            Root = root,
            Current = current,
            Name = BasemodeImporter.DefaultName(ctx),
            TreeMetadata = treeMeta,
        });
    }

    private static void Reorder(List<RawNode> nodes, JArr order)
    {
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < order.Count; i++)
        {
            if (JsonRead.AsId(order[i]) is { } id)
            {
                rank.TryAdd(id, i);
            }
        }
        var sorted = nodes.OrderBy(n => n.SourceId is not null && rank.TryGetValue(n.SourceId, out var r) ? r : int.MaxValue)
            .ThenBy(n => n.Ordinal).ToList();
        nodes.Clear();
        nodes.AddRange(sorted);
    }

    /// <summary>A Map written as <c>new Map([[k, v], ...])</c> (read as an array of pairs), or a plain object.</summary>
    private static IEnumerable<(string Key, JVal Value)> Pairs(ImportContext ctx, JVal? map, string what)
    {
        switch (map)
        {
            case null or JNull:
                yield break;
            case JArr pairs:
                foreach (var p in pairs.Items)
                {
                    if (p is JArr { Count: 2 } pair && JsonRead.AsId(pair[0]) is { } k)
                    {
                        yield return (k, pair[1]);
                    }
                    else
                    {
                        throw ctx.Fail($"'{what}' should be a Map of [key, value] pairs");
                    }
                }
                break;
            case JObj o:
                foreach (var (k, v) in o.Members)
                {
                    yield return (k, v);
                }
                break;
            default:
                throw ctx.Fail($"'{what}' should be a Map but is {Fields.Article(map.KindName)}");
        }
    }

    /// <summary>The value of a top-level key of the front matter: plain, quoted or block YAML scalars.</summary>
    internal static string? FindValue(string[] front, string key)
    {
        for (var i = 0; i < front.Length; i++)
        {
            var line = front[i];
            if (!line.StartsWith(key + ":", StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[(key.Length + 1)..].Trim();
            // Continuation lines are the indented ones that follow.
            var more = new List<string>();
            for (var j = i + 1; j < front.Length && (front[j].Length == 0 || front[j][0] is ' ' or '\t'); j++)
            {
                more.Add(front[j]);
            }
            if (rest.StartsWith('|') || rest.StartsWith('>'))
            {
                var indent = more.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
                var body = more.Select(l => l.Length >= indent ? l[indent..] : l.Trim());
                return rest.StartsWith('|') ? string.Join('\n', body) : string.Join(' ', body.Select(l => l.Trim()));
            }
            var all = string.Join('\n', new[] { rest }.Concat(more));
            if (rest.StartsWith('\''))
            {
                return Fold(SingleQuoted(all));
            }
            if (rest.StartsWith('"'))
            {
                return DoubleQuoted(all);
            }
            return string.Join(' ', all.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0));
        }
        return null;
    }

    private static string SingleQuoted(string s)
    {
        var sb = new StringBuilder();
        for (var i = 1; i < s.Length; i++)
        {
            if (s[i] == '\'')
            {
                if (i + 1 < s.Length && s[i + 1] == '\'')
                {
                    sb.Append('\'');
                    i++;
                    continue;
                }
                break;
            }
            sb.Append(s[i]);
        }
        return sb.ToString();
    }

    /// <summary>YAML line folding inside a quoted scalar: a line break plus indentation is one space.</summary>
    private static string Fold(string s) =>
        string.Join(' ', s.Split('\n').Select((l, i) => i == 0 ? l.TrimEnd() : l.Trim()));

    private static string DoubleQuoted(string s)
    {
        var sb = new StringBuilder();
        for (var i = 1; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '"')
            {
                break;
            }
            if (c == '\n')
            {
                while (sb.Length > 0 && sb[^1] == ' ')
                {
                    sb.Length--;
                }
                sb.Append(' ');
                while (i + 1 < s.Length && s[i + 1] is ' ' or '\t')
                {
                    i++;
                }
                continue;
            }
            if (c != '\\' || i + 1 >= s.Length)
            {
                sb.Append(c);
                continue;
            }
            var e = s[++i];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '0': sb.Append('\0'); break;
                case '"': sb.Append('"'); break;
                case '/': sb.Append('/'); break;
                case '\\': sb.Append('\\'); break;
                case ' ': sb.Append(' '); break;
                case '\n':
                    while (i + 1 < s.Length && s[i + 1] is ' ' or '\t')
                    {
                        i++;
                    }
                    break;
                case 'x' when i + 2 < s.Length:
                    sb.Append((char)int.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case 'u' when i + 4 < s.Length:
                    sb.Append((char)int.Parse(s.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                case 'U' when i + 8 < s.Length:
                    sb.Append(char.ConvertFromUtf32(int.Parse(s.AsSpan(i + 1, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
                    i += 8;
                    break;
                default:
                    sb.Append(e);
                    break;
            }
        }
        return sb.ToString();
    }

    private static string Inflate(ImportContext ctx, string base64)
    {
        byte[] packed;
        try
        {
            packed = System.Convert.FromBase64String(new string(base64.Where(c => !char.IsWhiteSpace(c)).ToArray()));
        }
        catch (FormatException e)
        {
            throw ctx.Fail($"'{CompressedKey}' is not base64", e);
        }
        foreach (var zlib in new[] { true, false })
        {
            try
            {
                using var input = new MemoryStream(packed);
                using Stream inflater = zlib ? new ZLibStream(input, CompressionMode.Decompress) : new DeflateStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                inflater.CopyTo(output);
                return Encoding.UTF8.GetString(output.ToArray());
            }
            catch (InvalidDataException)
            {
                // try the other framing
            }
        }
        throw ctx.Fail($"'{CompressedKey}' does not inflate (not zlib or deflate data)");
    }
}
