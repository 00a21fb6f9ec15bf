using Loom.Core.Session;
using Loom.Core.Store;

namespace Loom.Benchmarks.Core;

/// <summary>Where the time of one navigation goes: store reads and writes measured apart.</summary>
public sealed class CoreBreakdown : IBenchmarkSuite
{
    public string Name => "core-breakdown";

    public string Description => "store calls behind a navigation, measured one by one";

    public Task<int> RunAsync(string[] args)
    {
        var dir = Path.Combine(Path.GetTempPath(), "loom-bench-core-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "trees.sqlite");
        var (treeId, leafId) = CoreBenchmark.BuildForBreakdown(path);
        Console.WriteLine($"open only: {Measure.Once(() => SqliteLoomStore.Open(path).Dispose()):F3} ms");
        Console.WriteLine($"open only: {Measure.Once(() => SqliteLoomStore.Open(path).Dispose()):F3} ms");
        using var store = SqliteLoomStore.Open(path);
        var leaf = store.GetNode(leafId);
        Console.WriteLine(Measure.Repeat("GetLineage(leaf)", 50, () => store.GetLineage(leafId)));
        Console.WriteLine(Measure.Repeat("GetChildren(parent)", 2000, () => store.GetChildren(leaf.ParentId!)));
        Console.WriteLine(Measure.Repeat("GetChildDescendantCounts(parent)", 2000, () => store.GetChildDescendantCounts(leaf.ParentId!)));
        Console.WriteLine(Measure.Repeat("GetCheckedOutPath(parent)", 2000, () => store.GetCheckedOutPath(leaf.ParentId!)));
        Console.WriteLine(Measure.Repeat("GetContextNode", 2000, () => store.GetContextNode(treeId)));
        Console.WriteLine(Measure.Repeat("Write SetCurrentNode", 2000, () => store.Write(w => { w.SetCurrentNode(treeId, leafId); return 0; })));
        Console.WriteLine(Measure.Repeat("Write SetCheckedOutChild", 2000, () => store.Write(w => { w.SetCheckedOutChild(leaf.ParentId!, leafId); return 0; })));
        Console.WriteLine(Measure.Repeat("new LoomSession(leaf)", 20, () => new LoomSession(store, leafId).Dispose()));
        var big = new string('x', 1_000_000);
        Console.WriteLine(Measure.Repeat("1 MB string concat", 2000, () => _ = big + "y"));
        return Task.FromResult(0);
    }
}
