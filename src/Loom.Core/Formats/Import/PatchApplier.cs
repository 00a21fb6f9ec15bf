using System.Text;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>One diff-match-patch hunk: diffs (op -1 delete, 0 keep, 1 insert) and where it applies.</summary>
internal sealed record PatchHunk(IReadOnlyList<(int Op, string Text)> Diffs, int Start1, int Start2, int Length1, int Length2)
{
    /// <summary>The text the hunk expects to find (kept + deleted pieces).</summary>
    public string Source()
    {
        var sb = new StringBuilder();
        foreach (var (op, text) in Diffs)
        {
            if (op != 1)
            {
                sb.Append(text);
            }
        }
        return sb.ToString();
    }

    /// <summary>The text the hunk leaves behind (kept + inserted pieces).</summary>
    public string Target()
    {
        var sb = new StringBuilder();
        foreach (var (op, text) in Diffs)
        {
            if (op != -1)
            {
                sb.Append(text);
            }
        }
        return sb.ToString();
    }
}

/// <summary>
/// Applies diff-match-patch patch lists (npm diff-match-patch 1.0.5, as MiniLoom writes them) in
/// UTF-16 code units, the way <c>patch_apply</c> does when the text is the one the patch was made
/// from: each hunk is looked for at <c>start2</c> plus the drift of earlier hunks, then at the
/// nearest exact occurrence. A hunk found nowhere is skipped and reported (the fuzzy Bitap match of
/// the JavaScript library is not reproduced; files made by MiniLoom never need it).
/// </summary>
internal static class PatchApplier
{
    /// <summary>Reads a patch list: an array of <c>{diffs, start1, start2, length1, length2}</c>.</summary>
    public static List<PatchHunk> Parse(ImportContext ctx, JArr list, string describe)
    {
        var hunks = new List<PatchHunk>(list.Count);
        foreach (var item in list.Items)
        {
            var o = Fields.Object(ctx, item, $"{describe}: a patch");
            var diffsArr = Fields.Array(ctx, o["diffs"], $"{describe}: 'diffs' of a patch");
            var diffs = new List<(int, string)>(diffsArr.Count);
            foreach (var d in diffsArr.Items)
            {
                if (d is JArr { Count: 2 } pair && JsonRead.AsInt(pair[0]) is { } op and >= -1 and <= 1)
                {
                    var text = pair[1] switch
                    {
                        JStr s => s.Value,
                        JNull => string.Empty,
                        var other => throw ctx.Fail($"{describe}: a diff's text is {Fields.Article(other.KindName)}, not a string"),
                    };
                    diffs.Add((op, text));
                }
                else if (d is JObj od && JsonRead.AsInt(od["0"]) is { } op2 && od["1"] is JStr s2)
                {
                    diffs.Add((op2, s2.Value)); // a Diff object serialized with index keys
                }
                else
                {
                    throw ctx.Fail($"{describe}: a diff should be [op, text] with op -1, 0 or 1");
                }
            }
            hunks.Add(new PatchHunk(diffs,
                JsonRead.AsInt(o["start1"]) ?? 0, JsonRead.AsInt(o["start2"]) ?? 0,
                JsonRead.AsInt(o["length1"]) ?? 0, JsonRead.AsInt(o["length2"]) ?? 0));
        }
        return hunks;
    }

    /// <summary>Applies <paramref name="hunks"/> to <paramref name="text"/>; returns how many could not be placed.</summary>
    public static string Apply(string text, IReadOnlyList<PatchHunk> hunks, out int failed)
    {
        failed = 0;
        if (hunks.Count == 0)
        {
            return text;
        }
        var delta = 0;
        foreach (var hunk in hunks)
        {
            var expected = hunk.Start2 + delta;
            var source = hunk.Source();
            var at = Locate(text, source, expected);
            if (at < 0)
            {
                failed++;
                delta -= hunk.Length2 - hunk.Length1;
                continue;
            }
            delta = at - expected;
            text = string.Concat(text.AsSpan(0, at), hunk.Target(), text.AsSpan(at + source.Length));
        }
        return text;
    }

    private static int Locate(string text, string pattern, int loc)
    {
        loc = Math.Clamp(loc, 0, text.Length);
        if (loc + pattern.Length <= text.Length && string.CompareOrdinal(text, loc, pattern, 0, pattern.Length) == 0)
        {
            return loc;
        }
        if (pattern.Length == 0)
        {
            return loc;
        }
        var after = text.IndexOf(pattern, loc, StringComparison.Ordinal);
        var beforeStart = Math.Min(text.Length - 1, loc + pattern.Length - 1);
        var before = beforeStart >= 0 ? text.LastIndexOf(pattern, beforeStart, StringComparison.Ordinal) : -1;
        if (after < 0)
        {
            return before;
        }
        if (before < 0)
        {
            return after;
        }
        return after - loc <= loc - before ? after : before;
    }
}
