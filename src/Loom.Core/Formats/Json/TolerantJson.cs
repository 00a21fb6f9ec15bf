using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Loom.Core.Formats.Json;

/// <summary>Malformed JSON, with the 1-based line and column of the problem.</summary>
public sealed class TolerantJsonException : FormatException
{
    public TolerantJsonException(string reason, int line, int column)
        : base($"not valid JSON at line {line}, column {column}: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
    }

    public string Reason { get; }

    public int Line { get; }

    public int Column { get; }
}

/// <summary>
/// A JSON reader for other tools' save files. Beyond RFC 8259 it accepts bare <c>NaN</c>,
/// <c>Infinity</c> and <c>-Infinity</c> (Python's json.dump), escaped lone surrogates (JavaScript's
/// JSON.stringify; they are kept as lone UTF-16 code units so split pairs can be joined later),
/// raw control characters in strings, and nesting of any depth: it never recurses, so a
/// 100,000-level chain costs heap, not stack. Repeated keys: the last value wins, at the first
/// key's position (JavaScript's rule).
/// </summary>
public static class TolerantJson
{
    public static JVal Parse(string text) => Parse(Encoding.UTF8.GetBytes(text));

    public static JVal Parse(ReadOnlySpan<byte> utf8) => new Parser(utf8, jsLiterals: false).ParseDocument();

    /// <summary>
    /// Also reads what serialize-javascript writes beyond JSON: <c>new Map([[k, v], ...])</c> and
    /// <c>new Set([...])</c> (read as arrays), <c>new Date("...")</c> (a string) and <c>undefined</c> (null).
    /// </summary>
    public static JVal ParseJavaScriptLiteral(ReadOnlySpan<byte> utf8) => new Parser(utf8, jsLiterals: true).ParseDocument();

    private ref struct Parser
    {
        private readonly ReadOnlySpan<byte> _s;
        private int _pos;
        private readonly Dictionary<string, string> _intern;
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _internLookup;
        private StringBuilder? _sb;

        private readonly bool _js;

        public Parser(ReadOnlySpan<byte> utf8, bool jsLiterals)
        {
            _js = jsLiterals;
            _s = utf8;
            _pos = 0;
            _intern = new Dictionary<string, string>(StringComparer.Ordinal);
            _internLookup = _intern.GetAlternateLookup<ReadOnlySpan<char>>();
            _sb = null;
            if (_s.Length >= 3 && _s[0] == 0xEF && _s[1] == 0xBB && _s[2] == 0xBF)
            {
                _pos = 3;
            }
        }

        /// <summary>An open container: its members so far live on the shared member or item stack from Start.</summary>
        private struct Frame
        {
            public bool IsObject;
            public bool Paren;
            public int Start;
            public string? Key;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public JVal ParseDocument()
        {
            var stack = new List<Frame>();
            var members = new List<KeyValuePair<string, JVal>>();
            var items = new List<JVal>();
            SkipWs();
            if (_pos >= _s.Length)
            {
                throw Error("the file is empty");
            }
            while (true)
            {
                // Expecting a value.
                SkipWs();
                if (_pos >= _s.Length)
                {
                    throw Error("unexpected end of file");
                }
                JVal value;
                var c = _s[_pos];
                if (c == (byte)'{')
                {
                    _pos++;
                    SkipWs();
                    if (Peek() == (byte)'}')
                    {
                        _pos++;
                        value = new JObj();
                    }
                    else
                    {
                        stack.Add(new Frame { IsObject = true, Start = members.Count, Key = ReadKey() });
                        continue;
                    }
                }
                else if (c == (byte)'[')
                {
                    _pos++;
                    SkipWs();
                    if (Peek() == (byte)']')
                    {
                        _pos++;
                        value = new JArr();
                    }
                    else
                    {
                        stack.Add(new Frame { IsObject = false, Start = items.Count });
                        continue;
                    }
                }
                else if (_js && (StartsWith("new Map(") || StartsWith("new Set(")))
                {
                    _pos += 8;
                    SkipWs();
                    if (Peek() == (byte)')')
                    {
                        _pos++;
                        value = new JArr();
                    }
                    else
                    {
                        if (Peek() != (byte)'[')
                        {
                            throw Error("expected '[' after 'new Map(' or 'new Set('");
                        }
                        _pos++;
                        SkipWs();
                        if (Peek() == (byte)']')
                        {
                            _pos++;
                            ExpectParen();
                            value = new JArr();
                        }
                        else
                        {
                            stack.Add(new Frame { IsObject = false, Start = items.Count, Paren = true });
                            continue;
                        }
                    }
                }
                else if (_js && StartsWith("new Date("))
                {
                    _pos += 9;
                    SkipWs();
                    value = Peek() == (byte)'"' ? new JStr(ReadString(intern: false)) : ReadNumber();
                    ExpectParen();
                }
                else if (_js && StartsWith("undefined"))
                {
                    _pos += 9;
                    value = JVal.Null;
                }
                else
                {
                    value = ReadScalar();
                }

                // A value is complete: attach it and close finished containers.
                while (true)
                {
                    if (stack.Count == 0)
                    {
                        SkipWs();
                        if (_pos < _s.Length)
                        {
                            throw Error("unexpected text after the end of the JSON document");
                        }
                        return value;
                    }
                    var top = stack[^1];
                    if (top.IsObject)
                    {
                        members.Add(new KeyValuePair<string, JVal>(top.Key!, value));
                    }
                    else
                    {
                        items.Add(value);
                    }
                    SkipWs();
                    var d = Peek();
                    if (d == (byte)',')
                    {
                        _pos++;
                        if (top.IsObject)
                        {
                            SkipWs();
                            top.Key = ReadKey();
                            stack[^1] = top;
                        }
                        break;
                    }
                    if (top.IsObject && d == (byte)'}')
                    {
                        _pos++;
                        var count = members.Count - top.Start;
                        var array = new KeyValuePair<string, JVal>[count];
                        members.CopyTo(top.Start, array, 0, count);
                        members.RemoveRange(top.Start, count);
                        value = new JObj(array);
                        stack.RemoveAt(stack.Count - 1);
                        continue;
                    }
                    if (!top.IsObject && d == (byte)']')
                    {
                        _pos++;
                        var count = items.Count - top.Start;
                        var list = new List<JVal>(count);
                        for (var i = top.Start; i < items.Count; i++)
                        {
                            list.Add(items[i]);
                        }
                        items.RemoveRange(top.Start, count);
                        value = new JArr(list);
                        if (top.Paren)
                        {
                            ExpectParen();
                        }
                        stack.RemoveAt(stack.Count - 1);
                        continue;
                    }
                    if (d < 0)
                    {
                        throw Error($"unexpected end of file inside an {(top.IsObject ? "object" : "array")}");
                    }
                    throw Error(top.IsObject ? "expected ',' or '}'" : "expected ',' or ']'");
                }
            }
        }

        private int Peek() => _pos < _s.Length ? _s[_pos] : -1;

        private readonly bool StartsWith(string ascii)
        {
            if (_pos + ascii.Length > _s.Length)
            {
                return false;
            }
            for (var i = 0; i < ascii.Length; i++)
            {
                if (_s[_pos + i] != (byte)ascii[i])
                {
                    return false;
                }
            }
            return true;
        }

        private void ExpectParen()
        {
            SkipWs();
            if (Peek() != (byte)')')
            {
                throw Error("expected ')'");
            }
            _pos++;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void SkipWs()
        {
            while (_pos < _s.Length)
            {
                var c = _s[_pos];
                if (c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
                {
                    _pos++;
                }
                else
                {
                    return;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private string ReadKey()
        {
            if (Peek() != (byte)'"')
            {
                throw Error(Peek() < 0 ? "unexpected end of file inside an object" : "expected a quoted key");
            }
            var key = ReadString(intern: true);
            SkipWs();
            if (Peek() != (byte)':')
            {
                throw Error("expected ':' after a key");
            }
            _pos++;
            return key;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private JVal ReadScalar()
        {
            var c = _s[_pos];
            switch (c)
            {
                case (byte)'"':
                    return new JStr(ReadString(intern: false));
                case (byte)'t':
                    Expect("true");
                    return JBool.True;
                case (byte)'f':
                    Expect("false");
                    return JBool.False;
                case (byte)'n':
                    Expect("null");
                    return JVal.Null;
                case (byte)'N':
                    Expect("NaN");
                    return new JNum("NaN", double.NaN);
                case (byte)'I':
                    Expect("Infinity");
                    return new JNum("Infinity", double.PositiveInfinity);
                case (byte)'-' when _pos + 1 < _s.Length && _s[_pos + 1] == (byte)'I':
                    _pos++;
                    Expect("Infinity");
                    return new JNum("-Infinity", double.NegativeInfinity);
                default:
                    if (c == (byte)'-' || (c >= (byte)'0' && c <= (byte)'9'))
                    {
                        return ReadNumber();
                    }
                    throw Error($"unexpected character '{DescribeByte(c)}'");
            }
        }

        private void Expect(string word)
        {
            if (_pos + word.Length > _s.Length)
            {
                throw Error($"expected '{word}'");
            }
            for (var i = 0; i < word.Length; i++)
            {
                if (_s[_pos + i] != (byte)word[i])
                {
                    throw Error($"expected '{word}'");
                }
            }
            _pos += word.Length;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private JNum ReadNumber()
        {
            var start = _pos;
            if (_s[_pos] == (byte)'-')
            {
                _pos++;
            }
            while (_pos < _s.Length)
            {
                var c = _s[_pos];
                if ((c >= (byte)'0' && c <= (byte)'9') || c is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-')
                {
                    _pos++;
                }
                else
                {
                    break;
                }
            }
            var span = _s[start.._pos];
            Span<char> chars = stackalloc char[Math.Min(span.Length, 64)];
            string raw;
            if (span.Length <= 64)
            {
                for (var i = 0; i < span.Length; i++)
                {
                    chars[i] = (char)span[i];
                }
                raw = Intern(chars[..span.Length]);
            }
            else
            {
                raw = Encoding.ASCII.GetString(span);
            }
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || raw.EndsWith('.'))
            {
                _pos = start;
                throw Error($"malformed number '{raw}'");
            }
            return new JNum(raw, value);
        }

        private string Intern(scoped ReadOnlySpan<char> chars)
        {
            if (_internLookup.TryGetValue(chars, out var existing))
            {
                return existing;
            }
            var s = new string(chars);
            if (_intern.Count < 100_000)
            {
                _intern[s] = s;
            }
            return s;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private string ReadString(bool intern)
        {
            var open = _pos;
            _pos++; // opening quote
            var start = _pos;
            var rest = _s[start..];
            var stop = rest.IndexOfAny((byte)'"', (byte)'\\');
            if (stop < 0)
            {
                _pos = open;
                throw Error("a string is never closed");
            }
            if (rest[stop] == (byte)'"')
            {
                _pos = start + stop + 1;
                var raw = rest[..stop];
                if (intern && raw.Length <= 64)
                {
                    Span<char> buffer = stackalloc char[128];
                    var n = Encoding.UTF8.GetChars(raw, buffer);
                    return Intern(buffer[..n]);
                }
                return Encoding.UTF8.GetString(raw);
            }

            var sb = _sb ??= new StringBuilder();
            sb.Clear();
            _pos = start;
            while (true)
            {
                var chunk = _s[_pos..];
                var next = chunk.IndexOfAny((byte)'"', (byte)'\\');
                if (next < 0)
                {
                    _pos = open;
                    throw Error("a string is never closed");
                }
                if (next > 0)
                {
                    sb.Append(Encoding.UTF8.GetString(chunk[..next]));
                }
                _pos += next;
                if (_s[_pos] == (byte)'"')
                {
                    _pos++;
                    var result = sb.ToString();
                    if (sb.Capacity > 1 << 20)
                    {
                        _sb = null;
                    }
                    return intern && result.Length <= 64 ? Intern(result) : result;
                }
                // Backslash escape.
                _pos++;
                if (_pos >= _s.Length)
                {
                    throw Error("a string is never closed");
                }
                var e = _s[_pos++];
                switch (e)
                {
                    case (byte)'"': sb.Append('"'); break;
                    case (byte)'\\': sb.Append('\\'); break;
                    case (byte)'/': sb.Append('/'); break;
                    case (byte)'b': sb.Append('\b'); break;
                    case (byte)'f': sb.Append('\f'); break;
                    case (byte)'n': sb.Append('\n'); break;
                    case (byte)'r': sb.Append('\r'); break;
                    case (byte)'t': sb.Append('\t'); break;
                    case (byte)'u':
                        if (_pos + 4 > _s.Length)
                        {
                            _pos -= 2;
                            throw Error("incomplete \\u escape");
                        }
                        var code = 0;
                        for (var i = 0; i < 4; i++)
                        {
                            var h = _s[_pos + i];
                            var v = h switch
                            {
                                >= (byte)'0' and <= (byte)'9' => h - '0',
                                >= (byte)'a' and <= (byte)'f' => h - 'a' + 10,
                                >= (byte)'A' and <= (byte)'F' => h - 'A' + 10,
                                _ => -1,
                            };
                            if (v < 0)
                            {
                                _pos -= 2;
                                throw Error("malformed \\u escape");
                            }
                            code = (code << 4) | v;
                        }
                        _pos += 4;
                        sb.Append((char)code); // lone surrogates are kept as they are
                        break;
                    default:
                        _pos -= 2;
                        throw Error($"unknown escape '\\{DescribeByte(e)}'");
                }
            }
        }

        private static string DescribeByte(byte b) =>
            b is >= 0x20 and < 0x7F ? ((char)b).ToString() : $"0x{b:X2}";

        private TolerantJsonException Error(string reason)
        {
            var line = 1;
            var lineStart = 0;
            var upTo = Math.Min(_pos, _s.Length);
            for (var i = 0; i < upTo; i++)
            {
                if (_s[i] == (byte)'\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }
            var column = Encoding.UTF8.GetCharCount(_s[lineStart..upTo]) + 1;
            return new TolerantJsonException(reason, line, column);
        }
    }
}
