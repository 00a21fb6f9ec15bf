using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Benchmarks.Core;

/// <summary>
/// Issue 3's targets on a 100,000-node tree whose current path is 2,000 nodes deep and 1 MB long:
/// GetState, NavigateChild/NavigateParent, one ApplyChange keystroke, open + first GetState.
/// </summary>
public sealed class CoreBenchmark : IBenchmarkSuite
{
    public string Name => "core";

    public string Description => "LoomSession on a 100k-node tree with a 2,000-deep, 1 MB path";

    public Task<int> RunAsync(string[] args)
    {
        var dir = Path.Combine(Path.GetTempPath(), "loom-bench-core-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "trees.sqlite");
        try
        {
            var (treeId, leafId) = Build(path);
            Console.WriteLine($"tree: {SpineTree.NodeCount:N0} nodes, path depth {SpineTree.Depth}, path text {SpineTree.Depth * SpineTree.SegmentChars:N0} chars");

            var openMs = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                openMs.Add(Measure.Once(() =>
                {
                    using var s = SqliteLoomStore.Open(path);
                    using var session = new LoomSession(s, s.GetTree(treeId).CurrentNodeId!);
                    _ = session.GetState();
                }));
            }
            openMs.Sort();
            Console.WriteLine($"{"open store + session + first GetState",-48} runs=5  median={openMs[2],8:F3} ms  max={openMs[^1],8:F3} ms");

            using var store = SqliteLoomStore.Open(path);
            using var loom = new LoomSession(store, leafId);
            Console.WriteLine(Measure.Repeat("GetState", 10_000, () => loom.GetState()));
            loom.NavigateParent();
            var (child, parent) = Measure.Alternate("NavigateChild (depth 1999 -> 2000)", () => loom.NavigateChild(),
                "NavigateParent (depth 2000 -> 1999)", () => loom.NavigateParent(), 2_000);
            Console.WriteLine(child);
            Console.WriteLine(parent);
            loom.NavigateChild();
            var first = Measure.Once(() => loom.ApplyChange(loom.GetState().FullText.Length, 0, "x"));
            Console.WriteLine($"{"first keystroke at end (creates the draft)",-48} {first,8:F3} ms");
            Console.WriteLine(Measure.Repeat("ApplyChange keystroke at end of 1 MB path", 2_000, () =>
                loom.ApplyChange(loom.GetState().FullText.Length, 0, "y")));
            var mid = loom.GetState().FullText.Length / 2;
            loom.ApplyChange(mid, 0, "m"); // forks the second half once
            Console.WriteLine(Measure.Repeat("ApplyChange keystroke mid-path in a fork", 500, () =>
                loom.ApplyChange(mid + 1, 0, "z")));
            MeasureCancel(store).GetAwaiter().GetResult();
            return Task.FromResult(0);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Cancel() to GenerationCancelled with 8 slow offline branches streaming (issue 3: within 100 ms).</summary>
    private static async Task MeasureCancel(SqliteLoomStore store)
    {
        // Its own small tree: cancel latency does not depend on the tree's size.
        var treeId = Trees.Create(store, "The keeper counted the gulls at dawn,", [ModelPlanEntry.Default("offline/markov-slow")]).Id;
        var times = new List<double>();
        for (var run = 0; run < 20; run++)
        {
            using var session = new LoomSession(store, treeId);
            var tokens = 0;
            long cancelledAt = 0;
            await foreach (var e in session.GenerateAsync(new GenerationOverrides(Model: "offline/markov-slow", Branches: 8, MaxTokens: 1000)))
            {
                if (e is Loom.Core.Generation.TokenReceived && ++tokens == 16)
                {
                    cancelledAt = System.Diagnostics.Stopwatch.GetTimestamp();
                    session.Cancel();
                }
                if (e is Loom.Core.Generation.GenerationCancelled)
                {
                    times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(cancelledAt).TotalMilliseconds);
                }
            }
            // Remove the kept partial branches so every run starts alike.
            foreach (var child in store.GetChildren(treeId))
            {
                store.Write(w => w.DeleteSubtree(child.Id));
            }
        }
        times.Sort();
        Console.WriteLine($"{"Cancel() -> GenerationCancelled (8 branches)",-48} n={times.Count,6}  median={times[times.Count / 2],8:F3} ms  max={times[^1],8:F3} ms");
    }

    /// <summary>The <see cref="SpineTree"/> with the cursor at its deepest spine node; returns (tree, leaf).</summary>
    internal static (string TreeId, string LeafId) BuildForBreakdown(string path) => Build(path);

    private static (string TreeId, string LeafId) Build(string path)
    {
        var (treeId, leaf, _) = SpineTree.Build(path);
        using var store = SqliteLoomStore.Open(path);
        store.Write(w =>
        {
            w.SetCurrentNode(treeId, leaf);
            return 0;
        });
        return (treeId, leaf);
    }
}
