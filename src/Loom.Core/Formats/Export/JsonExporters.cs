using System.Text.Encodings.Web;
using System.Text.Json;
using Loom.Core.Formats.Import;
using Loom.Core.Tree;

namespace Loom.Core.Formats.Export;

/// <summary>Loom JSON (lossless) and basemode-loom's export shape.</summary>
internal static class JsonExporters
{
    public static JsonWriterOptions WriterOptions(bool indented) => new()
    {
        Indented = indented,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // raw UTF-8, like ensure_ascii=False
        MaxDepth = int.MaxValue,
        SkipValidation = true,
    };

    /// <summary>
    /// Loom's own JSON: <c>{format: "loom", version, tree, nodes}</c>. <c>nodes</c> has basemode-loom's
    /// node shape (so basemode-loom can read it too), context nodes first and then parents before
    /// children; <c>tree</c> carries what basemode's export leaves out (cursor, name, model plan, flags,
    /// metadata).
    /// </summary>
    public static void WriteLoom(TreeSnapshot snap, Stream output)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions(indented: true));
        w.WriteStartObject();
        w.WriteString("format", LoomJson.FormatTag);
        w.WriteNumber("version", LoomJson.Version);
        var t = snap.Tree;
        w.WriteStartObject("tree");
        w.WriteString("id", t.Id);
        WriteOptString(w, "name", t.Name);
        WriteOptString(w, "current_node_id", t.CurrentNodeId);
        w.WriteBoolean("show_model_names", t.ShowModelNames);
        w.WriteBoolean("rewind_split_tokens", t.RewindSplitTokens);
        w.WriteBoolean("archived", t.Archived);
        w.WriteString("created_at", t.CreatedAt);
        w.WriteString("updated_at", t.UpdatedAt);
        w.WriteStartArray("model_plan");
        foreach (var e in t.ModelPlan)
        {
            w.WriteStartObject();
            w.WriteString("model", e.Model);
            w.WriteNumber("n_branches", e.NBranches);
            w.WriteNumber("max_tokens", e.MaxTokens);
            WriteDouble(w, "temperature", e.Temperature);
            w.WriteBoolean("enabled", e.Enabled);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WritePropertyName("metadata");
        t.Metadata.ToJsonObject().WriteTo(w);
        w.WriteEndObject();
        w.WriteStartArray("nodes");
        foreach (var c in snap.Contexts)
        {
            WriteNode(w, c);
        }
        foreach (var (node, _) in snap.PreOrder())
        {
            WriteNode(w, node);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');
    }

    /// <summary>basemode-loom's <c>{version: 1, nodes}</c>, nodes ordered by created_at then id, as it writes them.</summary>
    public static void WriteBasemode(TreeSnapshot snap, Stream output)
    {
        using var w = new Utf8JsonWriter(output, WriterOptions(indented: true));
        w.WriteStartObject();
        w.WriteNumber("version", 1);
        w.WriteStartArray("nodes");
        var ordered = snap.Nodes.ToList();
        ordered.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.CreatedAt, b.CreatedAt);
            return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
        });
        foreach (var node in ordered)
        {
            WriteNode(w, node);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        output.WriteByte((byte)'\n');
    }

    private static void WriteNode(Utf8JsonWriter w, Node n)
    {
        w.WriteStartObject();
        w.WriteString("id", n.Id);
        WriteOptString(w, "parent_id", n.ParentId);
        w.WriteString("tree_id", n.TreeId);
        w.WriteString("kind", n.Kind.ToDb());
        w.WriteString("text", n.Text);
        WriteOptString(w, "context_id", n.ContextId);
        WriteOptString(w, "model", n.Model);
        WriteOptString(w, "strategy", n.Strategy);
        if (n.MaxTokens is { } mt)
        {
            w.WriteNumber("max_tokens", mt);
        }
        else
        {
            w.WriteNull("max_tokens");
        }
        if (n.Temperature is { } temp && double.IsFinite(temp))
        {
            WriteDouble(w, "temperature", temp);
        }
        else
        {
            w.WriteNull("temperature");
        }
        w.WriteBoolean("checked_out", n.CheckedOut);
        w.WriteString("created_at", n.CreatedAt);
        w.WritePropertyName("metadata");
        // The stored JSON as it is (no copy of the object; metadata is never deeply nested).
        w.WriteRawValue(n.Metadata.ToJson(), skipInputValidation: true);
        w.WriteEndObject();
    }

    internal static void WriteOptString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    internal static void WriteDouble(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>socketteer timestamps have second precision and local time.</summary>
    internal static string SocketteerTime(string createdAt) => Timestamps.ToSocketteer(createdAt);
}
