using System.Text;

namespace Loom.Core.Editing;

/// <summary>
/// Unpaired UTF-16 surrogates (from a broken file or editor) cannot be stored: SQLite keeps UTF-8.
/// Each becomes U+FFFD, one UTF-16 unit for one, so offsets after it do not move.
/// </summary>
public static class LoneSurrogates
{
    public const char Replacement = '\uFFFD';

    /// <summary>
    /// <paramref name="text"/> with every lone surrogate replaced (the same instance when there is
    /// none); <paramref name="replacedAt"/>, when given, receives their offsets.
    /// </summary>
    public static string Replace(string text, List<int>? replacedAt = null)
    {
        var span = text.AsSpan();
        if (span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return text;
        }
        StringBuilder? sb = null;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                sb?.Append(c).Append(span[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text.Length).Append(span[..i]);
                sb.Append(Replacement);
                replacedAt?.Add(i);
                continue;
            }
            sb?.Append(c);
        }
        return sb?.ToString() ?? text;
    }
}
