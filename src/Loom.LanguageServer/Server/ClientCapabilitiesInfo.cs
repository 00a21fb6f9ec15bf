using System.Text.Json;
using Loom.LanguageServer.Documents;

namespace Loom.LanguageServer.Server;

/// <summary>The few client capabilities the server acts on, read from <c>initialize</c>.</summary>
public sealed record ClientCapabilitiesInfo(
    PositionEncoding PositionEncoding,
    bool DocumentChanges,
    bool WorkDoneProgress,
    bool Configuration,
    bool ApplyEdit,
    bool InlayHintRefresh,
    bool SemanticTokensRefresh)
{
    public static readonly ClientCapabilitiesInfo Default = new(PositionEncoding.Utf16, false, false, false, true, false, false);

    public static ClientCapabilitiesInfo Read(JsonElement capabilities)
    {
        if (capabilities.ValueKind != JsonValueKind.Object)
        {
            return Default;
        }
        var encoding = PositionEncoding.Utf16;
        if (TryPath(capabilities, out var encodings, "general", "positionEncodings") && encodings.ValueKind == JsonValueKind.Array)
        {
            var offered = encodings.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.String)
                .Select(e => e.GetString())
                .ToList();
            // UTF-16 is what we hold internally: take it whenever offered (it is always supported anyway).
            if (!offered.Contains("utf-16") && offered.Count > 0)
            {
                encoding = offered[0] switch
                {
                    "utf-8" => PositionEncoding.Utf8,
                    "utf-32" => PositionEncoding.Utf32,
                    _ => offered.Contains("utf-8") ? PositionEncoding.Utf8 : offered.Contains("utf-32") ? PositionEncoding.Utf32 : PositionEncoding.Utf16,
                };
            }
        }
        return new ClientCapabilitiesInfo(
            encoding,
            Flag(capabilities, "workspace", "workspaceEdit", "documentChanges"),
            Flag(capabilities, "window", "workDoneProgress"),
            Flag(capabilities, "workspace", "configuration"),
            !TryPath(capabilities, out var applyEdit, "workspace", "applyEdit") || applyEdit.ValueKind != JsonValueKind.False,
            Flag(capabilities, "workspace", "inlayHint", "refreshSupport"),
            Flag(capabilities, "workspace", "semanticTokens", "refreshSupport"));
    }

    private static bool Flag(JsonElement root, params string[] path) =>
        TryPath(root, out var v, path) && v.ValueKind == JsonValueKind.True;

    private static bool TryPath(JsonElement root, out JsonElement value, params string[] path)
    {
        value = root;
        foreach (var name in path)
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
            {
                return false;
            }
        }
        return true;
    }

    public static string EncodingName(PositionEncoding encoding) => encoding switch
    {
        PositionEncoding.Utf8 => "utf-8",
        PositionEncoding.Utf32 => "utf-32",
        _ => "utf-16",
    };
}
