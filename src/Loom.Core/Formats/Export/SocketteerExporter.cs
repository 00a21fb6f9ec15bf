using System.Text.Json;
using Loom.Core.Tree;

namespace Loom.Core.Formats.Export;

/// <summary>
/// socketteer/loom's full save: the tree nested through <c>children</c>, <c>selected_node_id</c>,
/// bookmarks as the <c>"bookmark"</c> tag, and model names in <c>model_responses</c> (one response per
/// generated node, which the app and Loom's importer both read). The context (system prompt) and
/// Loom's tree settings have no place in the format and are left out.
/// </summary>
internal static class SocketteerExporter
{
    /// <summary>Deeper trees are written without indentation (indentation grows with depth squared).</summary>
    private const int IndentUpToDepth = 64;

    /// <summary>Bigger trees are written compactly too (socketteer's nesting makes indented files huge).</summary>
    private const int IndentUpToNodes = 10_000;

    public static void Write(TreeSnapshot snap, Stream output)
    {
        var maxDepth = 0;
        var count = 0;
        foreach (var (_, depth) in snap.PreOrder())
        {
            maxDepth = Math.Max(maxDepth, depth);
            count++;
        }
        using var w = new Utf8JsonWriter(output, JsonExporters.WriterOptions(indented: maxDepth <= IndentUpToDepth && count <= IndentUpToNodes) with
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default, // ensure_ascii, as json.dump writes
        });
        var times = new SocketteerTimes();
        w.WriteStartObject();

        // root, nested, with an explicit stack: (node, next child index).
        w.WritePropertyName("root");
        var stack = new Stack<(Node Node, int Next)>();
        WriteNodeStart(w, snap.Root, times);
        stack.Push((snap.Root, 0));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var kids = snap.ChildrenOf(node.Id);
            if (next < kids.Count)
            {
                stack.Push((node, next + 1));
                WriteNodeStart(w, kids[next], times);
                stack.Push((kids[next], 0));
                continue;
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteString("selected_node_id", snap.Current.Id);
        w.WriteStartObject("chapters");
        w.WriteEndObject();
        w.WriteStartArray("canonical");
        w.WriteEndArray();
        w.WriteStartObject("summaries");
        w.WriteEndObject();
        w.WriteStartObject("tags");
        w.WriteStartObject("bookmark");
        w.WriteString("name", "bookmark");
        w.WriteString("scope", "node");
        w.WriteBoolean("hide", false);
        w.WriteBoolean("show_only", false);
        w.WriteString("toggle_key", "b");
        w.WriteString("icon", "bookmark-black");
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartObject("model_responses");
        foreach (var (node, _) in snap.PreOrder())
        {
            if (node.Model is null || node.Kind == NodeKind.Root)
            {
                continue;
            }
            w.WriteStartObject(ResponseId(node));
            w.WriteString("id", ResponseId(node));
            w.WriteString("model", node.Model);
            w.WriteString("timestamp", times.Of(node.CreatedAt));
            w.WriteStartObject("prompt");
            w.WriteString("text", string.Empty);
            w.WriteNull("tokens");
            w.WriteEndObject();
            w.WriteStartArray("completions");
            w.WriteStartObject();
            w.WriteString("text", node.Text);
            JsonExporters.WriteOptString(w, "finishReason", node.Metadata.GetString("finish_reason"));
            w.WriteStartArray("tokens");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();

        w.WriteStartObject("generation_settings");
        if (snap.Tree.ModelPlan.FirstOrDefault(e => e.Enabled) is { } plan)
        {
            w.WriteString("model", plan.Model);
            w.WriteNumber("num_continuations", plan.NBranches);
            JsonExporters.WriteDouble(w, "temperature", plan.Temperature);
            w.WriteNumber("response_length", plan.MaxTokens);
        }
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');
    }

    private static string ResponseId(Node node) => "loom-" + node.Id;

    /// <summary>Writes a node's fields and opens its <c>children</c> array.</summary>
    private static void WriteNodeStart(Utf8JsonWriter w, Node node, SocketteerTimes times)
    {
        w.WriteStartObject();
        w.WriteString("id", node.Id);
        JsonExporters.WriteOptString(w, "parent_id", node.ParentId);
        w.WriteString("text", node.Text);
        if (node.Kind == NodeKind.Root)
        {
            w.WriteBoolean("mutable", false);
        }
        w.WriteStartObject("meta");
        var source = node.Author switch
        {
            "model" => "AI",
            "edited" => "mixed",
            _ => "prompt",
        };
        w.WriteString("source", source);
        w.WriteString("creation_timestamp", times.Of(node.CreatedAt));
        w.WriteEndObject();
        if (node.IsBookmarked)
        {
            w.WriteStartArray("tags");
            w.WriteStringValue("bookmark");
            w.WriteEndArray();
        }
        if (node.Model is not null && node.Kind != NodeKind.Root)
        {
            w.WriteStartObject("generation");
            w.WriteString("id", ResponseId(node));
            w.WriteNumber("index", 0);
            w.WriteEndObject();
        }
        w.WriteStartArray("children");
    }

    /// <summary>
    /// socketteer's local-time seconds for store timestamps, converted once per distinct second
    /// (a tree's nodes come in bursts; parsing and time-zone conversion per node was a third of the export).
    /// </summary>
    private sealed class SocketteerTimes
    {
        private readonly Dictionary<string, string> _bySecond = new(StringComparer.Ordinal);

        public string Of(string storeTimestamp)
        {
            // "yyyy-MM-ddTHH:mm:ss.ffffffZ": everything socketteer keeps is in the first 19 characters.
            if (storeTimestamp.Length != 27 || storeTimestamp[10] != 'T' || storeTimestamp[19] != '.' || storeTimestamp[26] != 'Z')
            {
                return JsonExporters.SocketteerTime(storeTimestamp);
            }
            var second = storeTimestamp[..19];
            if (!_bySecond.TryGetValue(second, out var local))
            {
                local = JsonExporters.SocketteerTime(storeTimestamp);
                _bySecond[second] = local;
            }
            return local;
        }
    }
}
