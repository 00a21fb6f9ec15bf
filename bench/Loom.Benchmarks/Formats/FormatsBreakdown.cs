using System.Diagnostics;
using System.Text;
using Loom.Core.Formats;
using Loom.Core.Formats.Json;
using Loom.Core.Store;

namespace Loom.Benchmarks.Formats;

/// <summary>Where an import's time goes: JSON parse, checks and assembly, id lookups, inserts.</summary>
public sealed class FormatsBreakdown : IBenchmarkSuite
{
    public string Name => "formats-breakdown";

    public string Description => "the phases of importing a 100k-node basemode-loom export, one by one";

    public Task<int> RunAsync(string[] args)
    {
        var dir = Path.Combine(Path.GetTempPath(), "loom-bench-formats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var source = Path.Combine(dir, "source.json");
            File.WriteAllText(source, FormatsBenchmark.MakeBasemodeExport(100_000), new UTF8Encoding(false));
            var bytes = File.ReadAllBytes(source);
            if (args.Contains("--import-only"))
            {
                // For a profiler: only the in-memory import, five times.
                for (var i = 0; i < 5; i++)
                {
                    Time("parse + check + assemble", () => LoomImporter.Import(bytes, source));
                }
                return Task.FromResult(0);
            }
            for (var round = 0; round < 2; round++)
            {
                Console.WriteLine($"round {round + 1}");
                Time("read file", () => File.ReadAllBytes(source));
                Time("tolerant JSON parse", () => TolerantJson.Parse(bytes));
                IReadOnlyList<ImportedTree>? trees = null;
                Time("parse + check + assemble", () => trees = LoomImporter.Import(bytes, source));
                var path = Path.Combine(dir, $"trees{round}.sqlite");
                using var store = SqliteLoomStore.Open(path);
                Time("100k TryGetNode (ids not present)", () =>
                {
                    foreach (var n in trees![0].Nodes)
                    {
                        store.TryGetNode(n.Id);
                    }
                });
                Time("one transaction of 100k inserts", () => store.Write(w =>
                {
                    w.InsertTree(trees![0].Tree);
                    foreach (var n in trees[0].Nodes)
                    {
                        w.InsertNode(n);
                    }
                    return 0;
                }));
                Time("snapshot from store", () => TreeSnapshot.FromStore(store, trees![0].Tree.Id));
                var snap = TreeSnapshot.FromStore(store, trees![0].Tree.Id);
                Time("Loom JSON export to memory", () => LoomExporter.Export(snap, LoomFormat.Loom, Stream.Null));
                Time("socketteer JSON export to memory", () => LoomExporter.Export(snap, LoomFormat.Socketteer, Stream.Null));
            }
            return Task.FromResult(0);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Time(string label, Action action)
    {
        using var p = Process.GetCurrentProcess();
        var cpu = p.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        var wall = sw.Elapsed.TotalMilliseconds;
        p.Refresh();
        Console.WriteLine($"  {label,-40} {wall,8:F0} ms  (cpu {(p.TotalProcessorTime - cpu).TotalMilliseconds,6:F0} ms)");
    }
}
