namespace Loom.LanguageServer.Documents;

/// <summary>One replacement turning one text into another: <c>[Start, Start+RemovedLength)</c> becomes <see cref="Inserted"/>.</summary>
public readonly record struct TextReplacement(int Start, int RemovedLength, string Inserted)
{
    public bool IsEmpty => RemovedLength == 0 && Inserted.Length == 0;
}

/// <summary>Cheap diffs for keeping a buffer and a path in step (vectorized prefix/suffix scans, never quadratic).</summary>
public static class TextDiff
{
    /// <summary>The tail replacement: everything after the common prefix (what navigation sends).</summary>
    public static TextReplacement Tail(string from, string to)
    {
        var prefix = SafePrefix(from, to);
        return new TextReplacement(prefix, from.Length - prefix, to[prefix..]);
    }

    /// <summary>The smallest single replacement by common prefix and suffix (used to resynchronize).</summary>
    public static TextReplacement Minimal(string from, string to)
    {
        var prefix = SafePrefix(from, to);
        var max = Math.Min(from.Length, to.Length) - prefix;
        var suffix = CommonSuffixLength(from.AsSpan(prefix), to.AsSpan(prefix));
        suffix = Math.Min(suffix, max);
        // Keep surrogate pairs whole at the suffix boundary.
        while (suffix > 0 && char.IsLowSurrogate(from[from.Length - suffix]) &&
               from.Length - suffix - 1 >= prefix && char.IsHighSurrogate(from[from.Length - suffix - 1]))
        {
            suffix--;
        }
        return new TextReplacement(prefix, from.Length - prefix - suffix, to.Substring(prefix, to.Length - prefix - suffix));
    }

    /// <summary>Length of the common suffix, compared in blocks so that long equal tails cost little.</summary>
    public static int CommonSuffixLength(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        const int Block = 256;
        var max = Math.Min(a.Length, b.Length);
        var n = 0;
        while (max - n >= Block && a.Slice(a.Length - n - Block, Block).SequenceEqual(b.Slice(b.Length - n - Block, Block)))
        {
            n += Block;
        }
        while (n < max && a[a.Length - 1 - n] == b[b.Length - 1 - n])
        {
            n++;
        }
        return n;
    }

    private static int SafePrefix(string a, string b)
    {
        var prefix = a.AsSpan().CommonPrefixLength(b);
        if (prefix > 0 && char.IsHighSurrogate(a[prefix - 1]))
        {
            prefix--;
        }
        return prefix;
    }

    public static string Apply(string text, TextReplacement r) =>
        string.Concat(text.AsSpan(0, r.Start), r.Inserted, text.AsSpan(r.Start + r.RemovedLength));
}
