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

    private readonly JsonObject _values;

    private NodeMetadata(JsonObject values) => _values = values;

    /// <summary>Parses stored JSON; anything that is not an object becomes empty metadata (never throws).</summary>
    public static NodeMetadata Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json) || json == "{}")
        {
            return Empty;
        }
        try
        {
            return JsonNode.Parse(json) is JsonObject obj ? new NodeMetadata(obj) : Empty;
        }
        catch (JsonException)
        {
            return Empty;
        }
    }

    public static NodeMetadata From(JsonObject values) => new((JsonObject)values.DeepClone());

    public bool IsEmpty => _values.Count == 0;

    public IEnumerable<string> Keys => _values.Select(p => p.Key);

    /// <summary>A copy of the value under <paramref name="key"/>, or null.</summary>
    public JsonNode? Get(string key) => _values[key]?.DeepClone();

    public bool Has(string key) => _values.ContainsKey(key);

    public bool GetBool(string key) =>
        _values[key] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    public string? GetString(string key) =>
        _values[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public bool IsBookmarked => GetBool(Bookmarked);

    public bool IsDraft => GetBool(Draft);

    public string? SourceKind => GetString(Source);

    public NodeMetadata With(string key, JsonNode? value)
    {
        var copy = (JsonObject)_values.DeepClone();
        copy[key] = value?.DeepClone();
        return new NodeMetadata(copy);
    }

    public NodeMetadata With(string key, bool value) => With(key, JsonValue.Create(value));

    public NodeMetadata With(string key, string value) => With(key, JsonValue.Create(value));

    public NodeMetadata Without(string key)
    {
        if (!_values.ContainsKey(key))
        {
            return this;
        }
        var copy = (JsonObject)_values.DeepClone();
        copy.Remove(key);
        return new NodeMetadata(copy);
    }

    /// <summary>A mutable copy, for serializers.</summary>
    public JsonObject ToJsonObject() => (JsonObject)_values.DeepClone();

    public string ToJson() => _values.Count == 0 ? "{}" : _values.ToJsonString();

    public override string ToString() => ToJson();

    /// <summary>Equal when the stored JSON is equal (same keys, order and values).</summary>
    public bool Equals(NodeMetadata? other) =>
        other is not null && (ReferenceEquals(this, other) || string.Equals(ToJson(), other.ToJson(), StringComparison.Ordinal));

    public override bool Equals(object? obj) => obj is NodeMetadata m && Equals(m);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToJson());
}
