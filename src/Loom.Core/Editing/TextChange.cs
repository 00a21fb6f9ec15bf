namespace Loom.Core.Editing;

/// <summary>A change of the buffer in UTF-16 code units: replace <see cref="RemovedLength"/> units at <see cref="Offset"/> with <see cref="InsertedText"/>.</summary>
public readonly record struct TextChange(int Offset, int RemovedLength, string InsertedText)
{
    public int End => Offset + RemovedLength;

    public bool IsPureInsertion => RemovedLength == 0;

    /// <summary>The smallest change turning <paramref name="original"/> into <paramref name="edited"/>, by common prefix and suffix (linear time); null when equal.</summary>
    public static TextChange? Between(string original, string edited)
    {
        if (string.Equals(original, edited, StringComparison.Ordinal))
        {
            return null;
        }
        var prefix = original.AsSpan().CommonPrefixLength(edited.AsSpan());
        var maxSuffix = Math.Min(original.Length, edited.Length) - prefix;
        var suffix = 0;
        while (suffix < maxSuffix && original[original.Length - 1 - suffix] == edited[edited.Length - 1 - suffix])
        {
            suffix++;
        }
        // Never split a surrogate pair between the kept and the changed part.
        if (prefix > 0 && char.IsHighSurrogate(original[prefix - 1]))
        {
            prefix--;
        }
        if (suffix > 0 && char.IsLowSurrogate(original[original.Length - suffix]) && original.Length - suffix - 1 >= prefix)
        {
            suffix--;
        }
        var removed = original.Length - prefix - suffix;
        var inserted = edited.Substring(prefix, edited.Length - prefix - suffix);
        return new TextChange(prefix, removed, inserted);
    }
}
