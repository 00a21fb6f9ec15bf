using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Core.Tree;

/// <summary>
/// An immutable view of a node's <c>metadata_json</c>. Every change returns a new instance,
/// so a <see cref="Node"/> held by a <see cref="Session.SessionState"/> never changes under its reader.
/// </summary>
public sealed class NodeMetadata : IEquatable<NodeMetadata>
{
    public const string Bookmarked = "bookmarked";
    public const string Source = "source";
    public const string EditedFrom = "edited_from";
    public const string Draft = "draft";
    public const string Incomplete = "incomplete";
    public const string Cancelled = "cancelled";
    public const string Usage = "usage";
    public const string Logprobs = "logprobs";
    public const string ModelIdx = "model_idx";
    public const string ModelBranchIndex = "model_branch_index";
    public const string GenerationId = "generation_id";

    public static readonly NodeMetadata Empty = new(new JsonObject());

    // Stored JSON is parsed on first use: reading a 100,000-node tree for an export never parses it.
    private JsonObject? _parsed;
    private readonly string? _json;

    private NodeMetadata(JsonObject values) => _parsed = values;

    private NodeMetadata(string json) => _json = json;

    private JsonObject Values => LazyInitializer.EnsureInitialized(ref _parsed, () => ParseObject(_json));

    /// <summary>JsonNode materializes lazily and is not safe for concurrent readers; every read goes through here.</summary>
    private T Read<T>(Func<JsonObject, T> read)
    {
        var values = Values;
        lock (values)
        {
            return read(values);
        }
    }

    private static JsonObject ParseObject(string? json)
    {
        try
        {
            return JsonNode.Parse(json ?? "{}") as JsonObject ?? new JsonObject();
        }
        catch (JsonException)
        {
            return new JsonObject();
        }
    }

    /// <summary>Takes stored JSON as it is; anything that is not an object reads as empty metadata (never throws).</summary>
    public static NodeMetadata Parse(string? json) =>
        string.IsNullOrWhiteSpace(json) || json == "{}" ? Empty : new NodeMetadata(json);

    public static NodeMetadata From(JsonObject values) => new((JsonObject)values.DeepClone());

    public bool IsEmpty => Read(v => v.Count == 0);

    public IEnumerable<string> Keys => Read(v => v.Select(p => p.Key).ToList());

    /// <summary>A copy of the value under <paramref name="key"/>, or null.</summary>
    public JsonNode? Get(string key) => Read(v => v[key]?.DeepClone());

    public bool Has(string key) => Read(v => v.ContainsKey(key));

    public bool GetBool(string key) =>
        Read(o => o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.True);

    public string? GetString(string key) =>
        Read(o => o[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null);

    public bool IsBookmarked => GetBool(Bookmarked);

    public bool IsDraft => GetBool(Draft);

    public string? SourceKind => GetString(Source);

    public NodeMetadata With(string key, JsonNode? value)
    {
        var copy = Read(v => (JsonObject)v.DeepClone());
        copy[key] = value?.DeepClone();
        return new NodeMetadata(copy);
    }

    public NodeMetadata With(string key, bool value) => With(key, JsonValue.Create(value));

    public NodeMetadata With(string key, string value) => With(key, JsonValue.Create(value));

    public NodeMetadata Without(string key)
    {
        if (!Has(key))
        {
            return this;
        }
        var copy = Read(v => (JsonObject)v.DeepClone());
        copy.Remove(key);
        return new NodeMetadata(copy);
    }

    /// <summary>A mutable copy, for serializers.</summary>
    public JsonObject ToJsonObject() => Read(v => (JsonObject)v.DeepClone());

    /// <summary>The JSON to store: the original text when nothing was changed (malformed text reads as "{}").</summary>
    public string ToJson()
    {
        if (_parsed is null && _json is not null)
        {
            return _json;
        }
        return Read(v => v.Count == 0 ? "{}" : v.ToJsonString());
    }

    public override string ToString() => ToJson();

    /// <summary>Equal when the stored JSON is equal (same keys, order and values).</summary>
    public bool Equals(NodeMetadata? other) =>
        other is not null && (ReferenceEquals(this, other) || string.Equals(ToJson(), other.ToJson(), StringComparison.Ordinal));

    public override bool Equals(object? obj) => obj is NodeMetadata m && Equals(m);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToJson());
}
