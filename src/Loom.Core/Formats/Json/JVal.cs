using System.Globalization;

namespace Loom.Core.Formats.Json;

/// <summary>
/// A JSON value as read by <see cref="TolerantJson"/>: a small, order-preserving DOM that, unlike
/// System.Text.Json, accepts bare NaN/Infinity, escaped lone surrogates and any nesting depth.
/// </summary>
public abstract class JVal
{
    public virtual string KindName => GetType().Name;

    public static readonly JNull Null = new();
}

public sealed class JNull : JVal
{
    internal JNull()
    {
    }

    public override string KindName => "null";
}

public sealed class JBool : JVal
{
    public static readonly JBool True = new(true);
    public static readonly JBool False = new(false);

    private JBool(bool value) => Value = value;

    public bool Value { get; }

    public override string KindName => "boolean";
}

/// <summary>A number, with its source text kept so that 64-bit integer ids are not rounded.</summary>
public sealed class JNum : JVal
{
    public JNum(string raw, double value)
    {
        Raw = raw;
        Value = value;
    }

    public string Raw { get; }

    public double Value { get; }

    public override string KindName => "number";

    public bool IsInteger => Raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0 && double.IsFinite(Value);

    public bool TryGetInt64(out long value) =>
        long.TryParse(Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}

/// <summary>A string; may hold lone surrogates exactly as the file escaped them.</summary>
public sealed class JStr : JVal
{
    public JStr(string value) => Value = value;

    public string Value { get; }

    public override string KindName => "string";
}

public sealed class JArr : JVal
{
    public JArr()
    {
        Items = new List<JVal>();
    }

    internal JArr(List<JVal> items) => Items = items;

    public List<JVal> Items { get; }

    public int Count => Items.Count;

    public JVal this[int index] => Items[index];

    public override string KindName => "array";
}

/// <summary>
/// An object keeping the key order of the file. A repeated key keeps the position of its first
/// occurrence and the value of its last (what JavaScript's JSON.parse does).
/// </summary>
public sealed class JObj : JVal
{
    private const int IndexThreshold = 24;
    private KeyValuePair<string, JVal>[] _members;
    private int _count;
    private Dictionary<string, int>? _index;

    public JObj()
    {
        _members = Array.Empty<KeyValuePair<string, JVal>>();
    }

    /// <summary>Takes the members in file order (the parser's exact-size array), applying the repeated-key rule.</summary>
    internal JObj(KeyValuePair<string, JVal>[] members)
    {
        _members = members;
        _count = members.Length;
        if (_count > IndexThreshold)
        {
            _index = new Dictionary<string, int>(_count, StringComparer.Ordinal);
            var write = 0;
            for (var read = 0; read < _count; read++)
            {
                var (key, value) = members[read];
                if (_index.TryGetValue(key, out var at))
                {
                    members[at] = new KeyValuePair<string, JVal>(key, value);
                    HadDuplicateKeys = true;
                    continue;
                }
                _index[key] = write;
                members[write++] = members[read];
            }
            _count = write;
            return;
        }
        for (var i = 1; i < _count; i++)
        {
            var key = members[i].Key;
            for (var j = 0; j < i; j++)
            {
                var other = members[j].Key;
                if (ReferenceEquals(other, key) || string.Equals(other, key, StringComparison.Ordinal))
                {
                    // Repeated key: slow path, rebuild one member at a time.
                    _members = Array.Empty<KeyValuePair<string, JVal>>();
                    _count = 0;
                    foreach (var m in members)
                    {
                        Set(m.Key, m.Value);
                    }
                    return;
                }
            }
        }
    }

    public ArraySegment<KeyValuePair<string, JVal>> Members => new ArraySegment<KeyValuePair<string, JVal>>(_members, 0, _count);

    public int Count => _count;

    public override string KindName => "object";

    /// <summary>True when a key appeared more than once (the last value was kept).</summary>
    public bool HadDuplicateKeys { get; private set; }

    public void Set(string key, JVal value)
    {
        var at = IndexOf(key);
        if (at >= 0)
        {
            _members[at] = new KeyValuePair<string, JVal>(key, value);
            HadDuplicateKeys = true;
            return;
        }
        if (_count == _members.Length)
        {
            Array.Resize(ref _members, Math.Max(4, _count * 2));
        }
        _members[_count++] = new KeyValuePair<string, JVal>(key, value);
        if (_index is not null)
        {
            _index[key] = _count - 1;
        }
        else if (_count > IndexThreshold)
        {
            _index = new Dictionary<string, int>(_count * 2, StringComparer.Ordinal);
            for (var i = 0; i < _count; i++)
            {
                _index[_members[i].Key] = i;
            }
        }
    }

    private int IndexOf(string key)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(key, out var i) ? i : -1;
        }
        for (var i = 0; i < _count; i++)
        {
            var k = _members[i].Key;
            if (ReferenceEquals(k, key) || string.Equals(k, key, StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    public JVal? this[string key] => IndexOf(key) is var i and >= 0 ? _members[i].Value : null;

    public bool Has(string key) => IndexOf(key) >= 0;

    public JObj? Obj(string key) => this[key] as JObj;

    public JArr? Arr(string key) => this[key] as JArr;

    /// <summary>The string under <paramref name="key"/>, or null when missing, null or not a string.</summary>
    public string? Str(string key) => this[key] is JStr s ? s.Value : null;

    /// <summary>A string or number under <paramref name="key"/> as an opaque id string.</summary>
    public string? IdLike(string key) => JsonRead.AsId(this[key]);

    public bool Bool(string key) => this[key] is JBool { Value: true };

    public double? Num(string key) => this[key] is JNum n ? n.Value : null;
}

/// <summary>Small helpers for reading <see cref="JVal"/> trees.</summary>
public static class JsonRead
{
    /// <summary>A string or number as an opaque id (numbers by their source digits); else null.</summary>
    public static string? AsId(JVal? value) => value switch
    {
        JStr s => s.Value,
        JNum n => n.Raw,
        _ => null,
    };

    public static int? AsInt(JVal? value) =>
        value is JNum n && double.IsFinite(n.Value) && n.Value is >= int.MinValue and <= int.MaxValue ? (int)n.Value : null;
}
