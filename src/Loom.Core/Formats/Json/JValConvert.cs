using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Editing;

namespace Loom.Core.Formats.Json;

/// <summary>Turns tolerant-JSON values into System.Text.Json nodes for metadata.</summary>
internal static class JValConvert
{
    /// <summary>Deeper parts are replaced by a note: metadata is small, and this keeps the writer's depth limit far away.</summary>
    public const int MaxDepth = 24;

    /// <summary>
    /// A System.Text.Json copy of <paramref name="value"/>. Non-finite numbers become strings
    /// ("NaN"), lone surrogates become U+FFFD, anything deeper than <see cref="MaxDepth"/> becomes
    /// the string "(nested too deeply)".
    /// </summary>
    public static JsonNode? ToNode(JVal? value, int depth = 0)
    {
        switch (value)
        {
            case null or JNull:
                return null;
            case JBool b:
                return JsonValue.Create(b.Value);
            case JStr s:
                return JsonValue.Create(LoneSurrogates.Replace(s.Value));
            case JNum n:
                return double.IsFinite(n.Value) ? Number(n.Raw) : JsonValue.Create(n.Raw);
        }
        if (depth >= MaxDepth)
        {
            return JsonValue.Create("(nested too deeply)");
        }
        if (value is JArr a)
        {
            var arr = new JsonArray();
            foreach (var item in a.Items)
            {
                arr.Add(ToNode(item, depth + 1));
            }
            return arr;
        }
        var o = (JObj)value;
        var obj = new JsonObject();
        foreach (var (k, v) in o.Members)
        {
            obj[LoneSurrogates.Replace(k)] = ToNode(v, depth + 1);
        }
        return obj;
    }

    [ThreadStatic]
    private static Dictionary<string, JsonElement>? t_numbers;

    /// <summary>
    /// A number backed by a JsonElement, exactly as a value parsed from stored metadata is, so readers can
    /// ask for any numeric type (an in-memory long would refuse GetValue&lt;int&gt;). Cached per distinct text.
    /// </summary>
    private static JsonValue Number(string raw)
    {
        var cache = t_numbers ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (!cache.TryGetValue(raw, out var element))
        {
            try
            {
                using var doc = JsonDocument.Parse(raw);
                element = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Digits JSON proper refuses (a leading zero): keep the value.
                return JsonValue.Create(double.Parse(raw, System.Globalization.CultureInfo.InvariantCulture));
            }
            if (cache.Count < 10_000)
            {
                cache[raw] = element;
            }
        }
        return JsonValue.Create(element)!;
    }

    /// <summary>
    /// <paramref name="value"/> as JSON text, with the same rules as <see cref="ToNode"/> (non-finite numbers
    /// as strings, lone surrogates as U+FFFD, depth capped).
    /// </summary>
    public static string ToJsonText(JVal value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            Write(w, value, 0);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Write(Utf8JsonWriter w, JVal value, int depth)
    {
        switch (value)
        {
            case JNull:
                w.WriteNullValue();
                return;
            case JBool b:
                w.WriteBooleanValue(b.Value);
                return;
            case JStr s:
                w.WriteStringValue(LoneSurrogates.Replace(s.Value));
                return;
            case JNum n:
                if (!double.IsFinite(n.Value))
                {
                    w.WriteStringValue(n.Raw);
                }
                else if (IsPlainJsonNumber(n.Raw))
                {
                    w.WriteRawValue(n.Raw, skipInputValidation: true);
                }
                else
                {
                    w.WriteNumberValue(n.Value);
                }
                return;
        }
        if (depth >= MaxDepth)
        {
            w.WriteStringValue("(nested too deeply)");
            return;
        }
        if (value is JArr a)
        {
            w.WriteStartArray();
            foreach (var item in a.Items)
            {
                Write(w, item, depth + 1);
            }
            w.WriteEndArray();
            return;
        }
        w.WriteStartObject();
        foreach (var (k, v) in ((JObj)value).Members)
        {
            w.WritePropertyName(LoneSurrogates.Replace(k));
            Write(w, v, depth + 1);
        }
        w.WriteEndObject();
    }

    /// <summary>RFC 8259 number grammar (no leading zeros, digits after a point).</summary>
    private static bool IsPlainJsonNumber(string raw)
    {
        var i = 0;
        if (i < raw.Length && raw[i] == '-')
        {
            i++;
        }
        if (i >= raw.Length || !char.IsAsciiDigit(raw[i]))
        {
            return false;
        }
        if (raw[i] == '0' && i + 1 < raw.Length && char.IsAsciiDigit(raw[i + 1]))
        {
            return false;
        }
        while (i < raw.Length && char.IsAsciiDigit(raw[i]))
        {
            i++;
        }
        if (i < raw.Length && raw[i] == '.')
        {
            i++;
            if (i >= raw.Length || !char.IsAsciiDigit(raw[i]))
            {
                return false;
            }
            while (i < raw.Length && char.IsAsciiDigit(raw[i]))
            {
                i++;
            }
        }
        if (i < raw.Length && raw[i] is 'e' or 'E')
        {
            i++;
            if (i < raw.Length && raw[i] is '+' or '-')
            {
                i++;
            }
            if (i >= raw.Length || !char.IsAsciiDigit(raw[i]))
            {
                return false;
            }
            while (i < raw.Length && char.IsAsciiDigit(raw[i]))
            {
                i++;
            }
        }
        return i == raw.Length;
    }

    /// <summary>An object's members copied into <paramref name="target"/>, except the <paramref name="skip"/> keys.</summary>
    public static void CopyInto(JObj source, JsonObject target, IReadOnlySet<string>? skip = null)
    {
        foreach (var (k, v) in source.Members)
        {
            if (skip is not null && skip.Contains(k))
            {
                continue;
            }
            target[LoneSurrogates.Replace(k)] = ToNode(v, 1);
        }
    }
}
