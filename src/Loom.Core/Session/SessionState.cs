using System.Collections.Immutable;
using Loom.Core.Tree;

namespace Loom.Core.Session;

public enum ViewMode
{
    Branch,
    Tree,
}

/// <summary>
/// An immutable snapshot of a session: the seed's 17 SessionState fields plus what editors need.
/// A new snapshot is made by every change; readers may keep and share one freely.
/// </summary>
public sealed record SessionState
{
    public required string CurrentNodeId { get; init; }
    public required Node CurrentNode { get; init; }
    /// <summary>Text from the root to the current node, context excluded. The buffer always equals this.</summary>
    public required string FullText { get; init; }
    public required ImmutableArray<Node> Children { get; init; }
    /// <summary>Index into <see cref="Children"/> of the checked-out child (0 when none is checked out).</summary>
    public required int SelectedChildIdx { get; init; }
    public required ImmutableDictionary<string, int> DescendantCounts { get; init; }
    /// <summary>The selected child's text and the text of its checked-out descendants.</summary>
    public required string ContinuationText { get; init; }
    public required string Model { get; init; }
    public required int MaxTokens { get; init; }
    public required double Temperature { get; init; }
    public required int NBranches { get; init; }
    public required string Context { get; init; }
    public required string RootId { get; init; }
    public required ViewMode ViewMode { get; init; }
    public required string? HoistedNodeId { get; init; }
    /// <summary>Every node of the tree (or the hoisted subtree); only in <see cref="ViewMode.Tree"/>.</summary>
    public required ImmutableArray<Node>? TreeNodes { get; init; }
    public required bool ShowModelNames { get; init; }

    // Beyond the seed: what the editors show.
    public required string TreeId { get; init; }
    /// <summary>The current path, root first (context excluded).</summary>
    public required ImmutableArray<Node> Lineage { get; init; }
    /// <summary>UTF-16 offset in <see cref="FullText"/> where each lineage segment starts.</summary>
    public required ImmutableArray<int> SegmentStarts { get; init; }
    public required ImmutableArray<ModelPlanEntry> ModelPlan { get; init; }
    public required bool Generating { get; init; }

    public bool Bookmarked => CurrentNode.IsBookmarked;

    public Node? SelectedChild => Children.IsDefaultOrEmpty ? null : Children[SelectedChildIdx];

    /// <summary>The last path segment that starts at or before UTF-16 <paramref name="offset"/> (binary search over <see cref="SegmentStarts"/>).</summary>
    public int SegmentIndexAt(int offset)
    {
        var starts = SegmentStarts;
        if (starts.IsDefaultOrEmpty)
        {
            return 0;
        }
        var lo = 0;
        var hi = starts.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (starts[mid] <= offset)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
