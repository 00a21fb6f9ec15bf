using System.Text.Json;

namespace Loom.LanguageServer.Rpc;

/// <summary>
/// Reads request params field by field. Every failure throws <see cref="InvalidParamsException"/>
/// naming the full path of the field (e.g. <c>textDocument.uri</c>), so errors say what was wrong.
/// </summary>
public readonly struct ParamReader
{
    private readonly JsonElement _element;
    private readonly string _path;

    public ParamReader(JsonElement element, string path = "")
    {
        _element = element;
        _path = path;
    }

    public JsonElement Element => _element;

    public bool IsObject => _element.ValueKind == JsonValueKind.Object;

    public static ParamReader Root(JsonElement element, string name = "params")
    {
        if (element.ValueKind is not JsonValueKind.Object)
        {
            throw new InvalidParamsException(name, "must be an object");
        }
        return new ParamReader(element, "");
    }

    private string PathOf(string name) => _path.Length == 0 ? name : _path + "." + name;

    public bool Has(string name) =>
        _element.ValueKind == JsonValueKind.Object &&
        _element.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    private JsonElement? Get(string name) =>
        _element.ValueKind == JsonValueKind.Object && _element.TryGetProperty(name, out var v) &&
        v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? v : null;

    public ParamReader Object(string name)
    {
        var v = Get(name) ?? throw new InvalidParamsException(PathOf(name), "is required (an object)");
        if (v.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidParamsException(PathOf(name), "must be an object");
        }
        return new ParamReader(v, PathOf(name));
    }

    public ParamReader? OptionalObject(string name)
    {
        var v = Get(name);
        if (v is null)
        {
            return null;
        }
        if (v.Value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidParamsException(PathOf(name), "must be an object");
        }
        return new ParamReader(v.Value, PathOf(name));
    }

    public IReadOnlyList<ParamReader> Array(string name)
    {
        var v = Get(name) ?? throw new InvalidParamsException(PathOf(name), "is required (an array)");
        return ReadArray(name, v);
    }

    public IReadOnlyList<ParamReader>? OptionalArray(string name)
    {
        var v = Get(name);
        return v is null ? null : ReadArray(name, v.Value);
    }

    private IReadOnlyList<ParamReader> ReadArray(string name, JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidParamsException(PathOf(name), "must be an array");
        }
        var list = new List<ParamReader>(v.GetArrayLength());
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            list.Add(new ParamReader(item, $"{PathOf(name)}[{i++}]"));
        }
        return list;
    }

    public string String(string name) =>
        OptionalString(name) ?? throw new InvalidParamsException(PathOf(name), "is required (a string)");

    public string? OptionalString(string name) => OptionalStringElement(name)?.GetString()!;

    /// <summary>The field as a JSON string element, null when absent; anything else is refused.</summary>
    private JsonElement? OptionalStringElement(string name)
    {
        var v = Get(name);
        if (v is { ValueKind: not JsonValueKind.String })
        {
            throw new InvalidParamsException(PathOf(name), "must be a string");
        }
        return v;
    }

    /// <summary>A required string whose lone surrogates (from a broken client) become U+FFFD instead of an error.</summary>
    public RepairedText TextRepairingLoneSurrogates(string name) =>
        LoneSurrogateRepair.Read(OptionalStringElement(name) ?? throw new InvalidParamsException(PathOf(name), "is required (a string)"));

    public string NonEmptyString(string name)
    {
        var s = String(name);
        if (s.Length == 0)
        {
            throw new InvalidParamsException(PathOf(name), "must not be empty");
        }
        return s;
    }

    public int Int(string name) =>
        OptionalInt(name) ?? throw new InvalidParamsException(PathOf(name), "is required (an integer)");

    public int? OptionalInt(string name)
    {
        var v = Get(name);
        if (v is null)
        {
            return null;
        }
        if (v.Value.ValueKind != JsonValueKind.Number || !v.Value.TryGetInt32(out var i))
        {
            throw new InvalidParamsException(PathOf(name), "must be an integer in the 32-bit range");
        }
        return i;
    }

    public int NonNegativeInt(string name)
    {
        var i = Int(name);
        if (i < 0)
        {
            throw new InvalidParamsException(PathOf(name), "must not be negative");
        }
        return i;
    }

    public double? OptionalDouble(string name)
    {
        var v = Get(name);
        if (v is null)
        {
            return null;
        }
        if (v.Value.ValueKind != JsonValueKind.Number || !v.Value.TryGetDouble(out var d) || !double.IsFinite(d))
        {
            throw new InvalidParamsException(PathOf(name), "must be a finite number");
        }
        return d;
    }

    public double Double(string name) =>
        OptionalDouble(name) ?? throw new InvalidParamsException(PathOf(name), "is required (a number)");

    /// <summary>An optional integer that, when present, must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int? OptionalIntInRange(string name, int min, int max) => InRange(name, OptionalInt(name), min, max);

    public int IntInRange(string name, int min, int max) => InRange(name, Int(name), min, max)!.Value;

    /// <summary>An optional finite number that, when present, must lie in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public double? OptionalDoubleInRange(string name, double min, double max) => InRange(name, OptionalDouble(name), min, max);

    public double DoubleInRange(string name, double min, double max) => InRange(name, Double(name), min, max)!.Value;

    private T? InRange<T>(string name, T? value, T min, T max) where T : struct, IComparable<T> =>
        value is { } v && (v.CompareTo(min) < 0 || v.CompareTo(max) > 0)
            ? throw new InvalidParamsException(PathOf(name), $"must be between {min} and {max}; got {v}")
            : value;

    public bool? OptionalBool(string name)
    {
        var v = Get(name);
        if (v is null)
        {
            return null;
        }
        return v.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidParamsException(PathOf(name), "must be a boolean"),
        };
    }

    /// <summary>A string or integer value (progress tokens, request ids), or null when absent.</summary>
    public object? OptionalToken(string name)
    {
        var v = Get(name);
        if (v is null)
        {
            return null;
        }
        return v.Value.ValueKind switch
        {
            JsonValueKind.String => v.Value.GetString()!,
            JsonValueKind.Number when v.Value.TryGetInt32(out var i) => i,
            _ => throw new InvalidParamsException(PathOf(name), "must be a string or an integer"),
        };
    }

    public JsonElement? Raw(string name) => Get(name);

    public string FieldPath(string name) => PathOf(name);
}
