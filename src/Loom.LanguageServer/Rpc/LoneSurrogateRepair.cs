using System.Text.Json;
using Loom.Core.Editing;
using Loom.Core.Formats.Json;

namespace Loom.LanguageServer.Rpc;

/// <summary>A string read from a message, with the offsets where a lone surrogate was replaced by U+FFFD.</summary>
public sealed record RepairedText(string Text, IReadOnlyList<int> Replaced)
{
    public bool WasRepaired => Replaced.Count > 0;
}

/// <summary>
/// Reads a JSON string that a broken client may have filled with lone UTF-16 surrogates
/// (<c>"\ud800"</c>), which System.Text.Json refuses and SQLite cannot store. Each lone surrogate
/// becomes U+FFFD: one UTF-16 unit for one, so every offset and position after it stays where the
/// client has it.
/// </summary>
public static class LoneSurrogateRepair
{
    /// <summary>Decodes <paramref name="element"/> (a JSON string); never throws for lone surrogates.</summary>
    public static RepairedText Read(JsonElement element)
    {
        try
        {
            return new RepairedText(element.GetString()!, []);
        }
        catch (InvalidOperationException)
        {
            return Decode(element.GetRawText());
        }
    }

    /// <summary>Decodes the raw JSON text of a string (quotes included), replacing lone surrogates.</summary>
    public static RepairedText Decode(string rawJson)
    {
        // Core's tolerant parser keeps escaped lone surrogates (System.Text.Json refuses them).
        var value = ((JStr)TolerantJson.Parse(rawJson)).Value;
        var replaced = new List<int>();
        return new RepairedText(LoneSurrogates.Replace(value, replaced), replaced);
    }
}
