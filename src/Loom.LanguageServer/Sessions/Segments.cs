using Loom.Core.Session;
using Loom.Core.Tree;

namespace Loom.LanguageServer.Sessions;

/// <summary>Which path segment owns a buffer offset (segments are contiguous, root first).</summary>
public static class Segments
{
    /// <summary>The index of the lineage segment containing <paramref name="offset"/> (the last non-empty one starting at or before it).</summary>
    public static int IndexAt(SessionState state, int offset)
    {
        var starts = state.SegmentStarts;
        if (starts.IsDefaultOrEmpty)
        {
            return 0;
        }
        var lo = state.SegmentIndexAt(offset);
        // Skip back over empty segments that end exactly at the offset.
        while (lo > 0 && End(state, lo) <= offset && offset < state.FullText.Length && starts[lo] == End(state, lo))
        {
            lo--;
        }
        return lo;
    }

    public static int Start(SessionState state, int index) => state.SegmentStarts[index];

    public static int End(SessionState state, int index) =>
        index + 1 < state.SegmentStarts.Length ? state.SegmentStarts[index + 1] : state.FullText.Length;

    public static Node NodeAt(SessionState state, int index) => state.Lineage[index];
}
