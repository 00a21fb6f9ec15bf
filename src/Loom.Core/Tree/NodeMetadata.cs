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

    public static readonly NodeMetadata Empty = new("{}");

    // Stored JSON is parsed on first use: reading a 100,000-node tree for an export never parses it.
    // The parse is a JsonDocument (read-only, so any number of threads read it without a lock) that
    // each instance owns; changes go through a fresh JsonObject and make a new instance.
    private readonly string _json;
    private Parsed? _parsed;

    private NodeMetadata(string json) => _json = json;

    /// <summary>The root object, or null when the stored text is not a JSON object (it then reads as empty).</summary>
    private sealed record Parsed(JsonElement? Root);

    private JsonElement? Root => LazyInitializer.EnsureInitialized(ref _parsed, () => ParseObject(_json)).Root;

    private static Parsed ParseObject(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return new Parsed(doc.RootElement.ValueKind == JsonValueKind.Object ? doc.RootElement.Clone() : null);
        }
        catch (JsonException)
        {
            return new Parsed(null);
        }
    }

    private bool TryGet(string key, out JsonElement value)
    {
        if (Root is { } root && root.TryGetProperty(key, out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Takes stored JSON as it is; anything that is not an object reads as empty metadata (never throws).</summary>
    public static NodeMetadata Parse(string? json) =>
        string.IsNullOrWhiteSpace(json) || json == "{}" ? Empty : new NodeMetadata(json);

    public static NodeMetadata From(JsonObject values) => values.Count == 0 ? Empty : new NodeMetadata(values.ToJsonString());

    public bool IsEmpty => Root is not { } root || !root.EnumerateObject().Any();

    public IEnumerable<string> Keys => Root is { } root ? root.EnumerateObject().Select(p => p.Name).ToList() : [];

    /// <summary>A copy of the value under <paramref name="key"/>, or null.</summary>
    public JsonNode? Get(string key) => TryGet(key, out var v) ? JsonNode.Parse(v.GetRawText()) : null;

    public bool Has(string key) => TryGet(key, out _);

    public bool GetBool(string key) => TryGet(key, out var v) && v.ValueKind == JsonValueKind.True;

    public string? GetString(string key) => TryGet(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public bool IsBookmarked => GetBool(Bookmarked);

    public bool IsDraft => GetBool(Draft);

    public string? SourceKind => GetString(Source);

    public NodeMetadata With(string key, JsonNode? value)
    {
        var copy = ToJsonObject();
        copy[key] = value?.DeepClone();
        return new NodeMetadata(copy.ToJsonString());
    }

    public NodeMetadata With(string key, bool value) => With(key, JsonValue.Create(value));

    public NodeMetadata With(string key, string value) => With(key, JsonValue.Create(value));

    public NodeMetadata Without(string key)
    {
        if (Root is not { } root || !root.TryGetProperty(key, out _))
        {
            return this;
        }
        var copy = ToJsonObject();
        copy.Remove(key);
        return From(copy);
    }

    /// <summary>A mutable copy, for serializers.</summary>
    public JsonObject ToJsonObject() => Root is { } root ? JsonObject.Create(root)!.DeepClone().AsObject() : new JsonObject();

    /// <summary>The JSON to store: the original text (text that is not a JSON object reads and stores as "{}" once read).</summary>
    public string ToJson() => _parsed is { Root: null } ? "{}" : _json;

    public override string ToString() => ToJson();

    /// <summary>Equal when the stored JSON is equal (same keys, order and values).</summary>
    public bool Equals(NodeMetadata? other) =>
        other is not null && (ReferenceEquals(this, other) || string.Equals(ToJson(), other.ToJson(), StringComparison.Ordinal));

    public override bool Equals(object? obj) => obj is NodeMetadata m && Equals(m);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToJson());
}
