using System.Text;
using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Benchmarks;

/// <summary>
/// The tree the core and server suites measure: a spine of <see cref="Depth"/> checked-out nodes of
/// <see cref="SegmentChars"/> characters (a 1 MB path) with <see cref="LeavesPerLevel"/> short leaves
/// under each, 100,000 nodes in all.
/// </summary>
internal static class SpineTree
{
    public const int Depth = 2_000;
    public const int LeavesPerLevel = 49; // 2,000 x (1 + 49) = 100,000 nodes
    public const int SegmentChars = 512;   // 2,000 x 512 = 1 MB of path text

    public const int NodeCount = Depth * (LeavesPerLevel + 1);

    /// <summary>Writes the tree into the database at <paramref name="path"/>; the cursor is left to the caller.</summary>
    public static (string TreeId, string Leaf, string ParentOfLeaf) Build(string path)
    {
        using var store = SqliteLoomStore.Open(path);
        var clock = new MonotonicClock();
        var root = Trees.Create(store, Segment(0), [ModelPlanEntry.Default("offline/markov")]);
        var (leaf, parentOfLeaf) = store.Write(w =>
        {
            var parent = root.Id;
            var previous = root.Id;
            for (var d = 1; d < Depth; d++)
            {
                AddLeaves(w, root.Id, parent, d.ToString(System.Globalization.CultureInfo.InvariantCulture), clock);
                var id = Ids.NewId();
                w.InsertNode(new Node(id, root.Id, parent, NodeKind.Text, Segment(d), null, "bench/model", "completion", 128, 1, true, clock.Next(), NodeMetadata.Empty));
                previous = parent;
                parent = id;
            }
            AddLeaves(w, root.Id, parent, "end", clock);
            return (parent, previous);
        });
        return (root.Id, leaf, parentOfLeaf);
    }

    /// <summary>The text of the spine's first <paramref name="segments"/> nodes.</summary>
    public static string PathText(int segments)
    {
        var text = new StringBuilder(segments * SegmentChars);
        for (var d = 0; d < segments; d++)
        {
            text.Append(Segment(d));
        }
        return text.ToString();
    }

    private static void AddLeaves(IStoreWriter w, string treeId, string parent, string level, MonotonicClock clock)
    {
        for (var l = 0; l < LeavesPerLevel; l++)
        {
            w.InsertNode(new Node(Ids.NewId(), treeId, parent, NodeKind.Text, $" leaf {level}.{l}", null, "bench/model", "completion", 16, 1, false, clock.Next(), NodeMetadata.Empty));
        }
    }

    private static string Segment(int d)
    {
        var sb = new StringBuilder(SegmentChars);
        sb.Append($" [{d}] ");
        while (sb.Length < SegmentChars)
        {
            sb.Append("the keeper counted gulls ");
        }
        return sb.ToString(0, SegmentChars);
    }
}
