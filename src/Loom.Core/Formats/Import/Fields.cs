using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>Which node a message is about, formatted only when a message is made (imports read 100,000s of nodes).</summary>
internal readonly struct Where
{
    private readonly string? _text;
    private readonly string? _id;
    private readonly int _ordinal;

    public Where(string? id, int ordinal)
    {
        _text = null;
        _id = id;
        _ordinal = ordinal;
    }

    private Where(string text)
    {
        _text = text;
        _id = null;
        _ordinal = 0;
    }

    public static implicit operator Where(string text) => new(text);

    public override string ToString() => _text ?? (_id is null ? $"node #{_ordinal + 1}" : $"node '{_id}'");
}

/// <summary>Field readers that say which node and field are wrong.</summary>
internal static class Fields
{
    /// <summary>
    /// A node's text: a string is kept, null or missing is empty, anything else (a number, an object)
    /// refuses the file.
    /// </summary>
    public static string Text(ImportContext ctx, JObj node, string key, Where describe) => node[key] switch
    {
        null or JNull => string.Empty,
        JStr s => s.Value,
        var other => throw ctx.Fail($"{describe}: '{key}' is {Article(other.KindName)}, not a string"),
    };

    /// <summary>An optional string field; a non-string is ignored.</summary>
    public static string? OptString(JObj node, string key) => node.Str(key);

    public static int? OptInt(JObj node, string key) => JsonRead.AsInt(node[key]);

    public static double? OptDouble(JObj node, string key) =>
        node[key] is JNum n && double.IsFinite(n.Value) ? n.Value : null;

    /// <summary>true, or a nonzero number (SQLite booleans).</summary>
    public static bool Flag(JObj node, string key) => node[key] switch
    {
        JBool b => b.Value,
        JNum n => n.Value != 0 && !double.IsNaN(n.Value),
        _ => false,
    };

    /// <summary>An id (string or number); a present id of another type refuses the file.</summary>
    public static string? Id(ImportContext ctx, JObj node, string key, Where describe) => node[key] switch
    {
        null or JNull => null,
        JStr s => s.Value,
        JNum n => n.Raw,
        var other => throw ctx.Fail($"{describe}: '{key}' is {Article(other.KindName)}, not an id"),
    };

    public static JObj Object(ImportContext ctx, JVal? value, Where what) =>
        value as JObj ?? throw ctx.Fail($"{what} should be an object but is {Describe(value)}");

    public static JArr Array(ImportContext ctx, JVal? value, Where what) =>
        value as JArr ?? throw ctx.Fail($"{what} should be an array but is {Describe(value)}");

    public static string Describe(JVal? value) => value is null ? "missing" : Article(value.KindName);

    public static string Article(string kind) => kind switch
    {
        "null" => "null",
        "array" or "object" => $"an {kind}",
        _ => $"a {kind}",
    };
}
