using System.Globalization;
using System.Text;
using System.Text.Json;

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
    public const char Replacement = '\uFFFD';

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
        var sb = new StringBuilder(rawJson.Length);
        var end = rawJson.Length - 1; // the closing quote
        for (var i = 1; i < end; i++)
        {
            var c = rawJson[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            var e = rawJson[++i];
            switch (e)
            {
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'u':
                    sb.Append((char)int.Parse(rawJson.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: sb.Append(e); break; // \" \\ \/
            }
        }
        var replaced = new List<int>();
        for (var i = 0; i < sb.Length; i++)
        {
            if (char.IsHighSurrogate(sb[i]) && i + 1 < sb.Length && char.IsLowSurrogate(sb[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(sb[i]))
            {
                sb[i] = Replacement;
                replaced.Add(i);
            }
        }
        return new RepairedText(sb.ToString(), replaced);
    }
}
