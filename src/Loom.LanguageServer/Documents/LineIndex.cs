using System.Text;
using Loom.LanguageServer.Protocol;

namespace Loom.LanguageServer.Documents;

/// <summary>
/// Line starts of one text (LSP line terminators: \n, \r\n, \r) and conversions between LSP
/// positions and UTF-16 offsets. Immutable; built once per text in one vectorized pass.
/// </summary>
public sealed class LineIndex
{
    private readonly int[] _lineStarts;

    private LineIndex(string text, int[] lineStarts)
    {
        Text = text;
        _lineStarts = lineStarts;
    }

    public string Text { get; }

    public int LineCount => _lineStarts.Length;

    public static LineIndex Build(string text)
    {
        var starts = new List<int>(Math.Max(16, text.Length / 40)) { 0 };
        var span = text.AsSpan();
        var i = 0;
        while (true)
        {
            var rel = span[i..].IndexOfAny('\n', '\r');
            if (rel < 0)
            {
                break;
            }
            var at = i + rel;
            if (span[at] == '\r' && at + 1 < span.Length && span[at + 1] == '\n')
            {
                at++;
            }
            i = at + 1;
            starts.Add(i);
        }
        return new LineIndex(text, starts.ToArray());
    }

    /// <summary>Offset of the end of <paramref name="line"/>'s content (before its terminator).</summary>
    private int LineContentEnd(int line)
    {
        var end = line + 1 < _lineStarts.Length ? _lineStarts[line + 1] : Text.Length;
        if (end > _lineStarts[line] && line + 1 < _lineStarts.Length)
        {
            end--;
            if (Text[end] == '\n' && end > _lineStarts[line] && Text[end - 1] == '\r')
            {
                end--;
            }
        }
        return end;
    }

    /// <summary>
    /// The UTF-16 offset of <paramref name="position"/>. A line past the end is an error
    /// (returns false); a character past the end of its line clamps to the line end, as LSP says.
    /// </summary>
    public bool TryGetOffset(Position position, PositionEncoding encoding, out int offset)
    {
        offset = 0;
        if (position.Line < 0 || position.Character < 0)
        {
            return false;
        }
        if (position.Line >= _lineStarts.Length)
        {
            // The position just after a final line terminator is line == LineCount, character 0 only when text ends the line.
            return false;
        }
        var start = _lineStarts[position.Line];
        var end = LineContentEnd(position.Line);
        offset = start + UnitsToUtf16(Text.AsSpan(start, end - start), position.Character, encoding);
        return true;
    }

    public Position GetPosition(int offset, PositionEncoding encoding)
    {
        offset = Math.Clamp(offset, 0, Text.Length);
        var line = Array.BinarySearch(_lineStarts, offset);
        if (line < 0)
        {
            line = ~line - 1;
        }
        var start = _lineStarts[line];
        return new Position(line, Utf16ToUnits(Text.AsSpan(start, offset - start), encoding));
    }

    public Position End(PositionEncoding encoding) => GetPosition(Text.Length, encoding);

    private static int UnitsToUtf16(ReadOnlySpan<char> line, int units, PositionEncoding encoding)
    {
        switch (encoding)
        {
            case PositionEncoding.Utf16:
                {
                    var n = Math.Min(units, line.Length);
                    if (n > 0 && n < line.Length && char.IsHighSurrogate(line[n - 1]) && char.IsLowSurrogate(line[n]))
                    {
                        n--;
                    }
                    return n;
                }
            default:
                {
                    var consumed = 0;
                    var i = 0;
                    while (i < line.Length)
                    {
                        var width = char.IsHighSurrogate(line[i]) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]) ? 2 : 1;
                        var cost = encoding == PositionEncoding.Utf32 ? 1 : Utf8Length(line.Slice(i, width));
                        if (consumed + cost > units)
                        {
                            break;
                        }
                        consumed += cost;
                        i += width;
                    }
                    return i;
                }
        }
    }

    private static int Utf16ToUnits(ReadOnlySpan<char> prefix, PositionEncoding encoding) => encoding switch
    {
        PositionEncoding.Utf16 => prefix.Length,
        PositionEncoding.Utf8 => Encoding.UTF8.GetByteCount(prefix),
        _ => CountCodePoints(prefix),
    };

    private static int Utf8Length(ReadOnlySpan<char> chars) => Encoding.UTF8.GetByteCount(chars);

    private static int CountCodePoints(ReadOnlySpan<char> chars)
    {
        var n = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            if (!(char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])))
            {
                n++;
            }
        }
        return n;
    }
}
