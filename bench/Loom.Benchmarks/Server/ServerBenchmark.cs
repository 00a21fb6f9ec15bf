using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core.Store;

namespace Loom.Benchmarks.Server;

/// <summary>
/// Issue 5's targets, driving the published executable (scripts/build-server.sh) over stdio:
/// initialize latency from process start; navigate round trip including the workspace/applyEdit on a
/// 100,000-node tree with a 2,000-deep, 1 MB current path; one-character didChange + loom/state on
/// that 1 MB document; resident memory with ten 1 MB documents open.
/// </summary>
public sealed class ServerBenchmark : IBenchmarkSuite
{
    public string Name => "server";

    public string Description => "loom-language-server over stdio: initialize, navigate + applyEdit, keystroke + loom/state, RSS";

    private const string Uri = "file:///bench/big.loom";

    private int _samples = 2_000;

    public async Task<int> RunAsync(string[] args)
    {
        // --quick: 500 samples per measurement instead of 2,000 (for trying settings).
        if (args.Contains("--quick"))
        {
            _samples = 500;
        }
        var repo = FindRepo();
        var exe = Publish(repo);
        var dir = Path.Combine(Path.GetTempPath(), "loom-bench-server-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var db = Path.Combine(dir, "trees.sqlite");
        try
        {
            await InitializeLatency(exe, Path.Combine(dir, "empty.sqlite"));
            var (pathText, parentId) = Build(db);
            Console.WriteLine($"tree: {SpineTree.NodeCount:N0} nodes, path depth {SpineTree.Depth}, path text {pathText.Length:N0} chars");
            await using var client = StdioLspClient.Start(exe, "--stdio", "--db", db, "--log-level", "error");
            await Initialize(client);
            var open = Stopwatch.StartNew();
            await client.OpenAsync(Uri, pathText);
            var state = await client.RequestAsync("loom/state", new JsonObject { ["uri"] = Uri });
            Console.WriteLine($"{"didOpen (1 MB, bound) + first loom/state",-48} {open.Elapsed.TotalMilliseconds,8:F3} ms");
            if (state.Parse()!["currentNodeId"]!.GetValue<string>() != parentId)
            {
                throw new InvalidOperationException("the document did not attach to the bound node");
            }
            await Navigation(client);
            await Keystrokes(client);
            Console.WriteLine($"{"RSS with the big tree open",-48} {client.ResidentBytes() / 1e6,8:F1} MB");
            Console.WriteLine($"exit code after shutdown + exit: {await client.ShutdownAsync()}");

            await using var memory = StdioLspClient.Start(exe, "--stdio", "--db", Path.Combine(dir, "memory.sqlite"), "--log-level", "error");
            await Initialize(memory);
            await TenDocuments(memory);
            await memory.ShutdownAsync();
            return 0;
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

    private static async Task Initialize(StdioLspClient client)
    {
        await client.RequestAsync("initialize", Capabilities());
        await client.NotifyAsync("initialized", new JsonObject());
    }

    private static JsonObject Capabilities() => new()
    {
        ["processId"] = Environment.ProcessId,
        ["capabilities"] = new JsonObject
        {
            ["workspace"] = new JsonObject { ["applyEdit"] = true, ["workspaceEdit"] = new JsonObject { ["documentChanges"] = true } },
        },
        ["initializationOptions"] = new JsonObject { ["model"] = "offline/markov" },
    };

    private static async Task InitializeLatency(string exe, string db)
    {
        var times = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await using var client = StdioLspClient.Start(exe, "--stdio", "--db", db, "--log-level", "error");
            await client.RequestAsync("initialize", Capabilities());
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            await client.NotifyAsync("initialized", new JsonObject());
            await client.ShutdownAsync();
        }
        times.Sort();
        Console.WriteLine($"{"initialize answered after process start",-48} runs={times.Count}  median={times[times.Count / 2],8:F3} ms  max={times[^1],8:F3} ms");
    }

    /// <summary>
    /// The runtime keeps compiling hot code at its optimized tier for about six seconds of steady
    /// navigation (ReadyToRun code is re-jitted as it gets hot), so the measured samples start after
    /// <see cref="WarmUp"/> of navigating; the warm-up's own figures are reported as the cold start.
    /// </summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(8);

    private async Task Navigation(StdioLspClient client)
    {
        var uri = new JsonObject { ["uri"] = Uri };
        async Task<(double Child, double Parent)> BackAndForth()
        {
            var start = Stopwatch.GetTimestamp();
            await client.CommandAsync("loom.navigateChild", (JsonObject)uri.DeepClone());
            var a = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            await client.CommandAsync("loom.navigateParent", (JsonObject)uri.DeepClone());
            return (a, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var cold = new List<double>();
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < WarmUp)
        {
            var (a, b) = await BackAndForth();
            cold.Add(a);
            cold.Add(b);
        }
        Report($"navigate during the first {WarmUp.TotalSeconds:F0} s (warm-up)", cold);
        var child = new List<double>();
        var parent = new List<double>();
        for (var i = 0; i < _samples; i++)
        {
            var (a, b) = await BackAndForth();
            child.Add(a);
            parent.Add(b);
        }
        Report("navigateChild round trip incl. applyEdit", child);
        Report("navigateParent round trip incl. applyEdit", parent);
        var all = child.Concat(parent).ToList();
        Report("navigate round trip (both directions)", all);
    }

    private async Task Keystrokes(StdioLspClient client)
    {
        var times = new List<double>();
        var uri = new JsonObject { ["uri"] = Uri };
        for (var i = 0; i < _samples + 50; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await client.TypeAtEndAsync(Uri, i % 10 == 9 ? " " : "x");
            var state = await client.RequestAsync("loom/state", (JsonObject)uri.DeepClone());
            var t = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (i >= 50)
            {
                times.Add(t);
            }
            if (i == _samples + 49 && state.Parse()!["fullText"]!.GetValue<string>().Length != client.Length(Uri))
            {
                throw new InvalidOperationException("server and client disagree after typing");
            }
        }
        Report("one-char didChange + loom/state (1 MB doc)", times);
    }

    private static async Task TenDocuments(StdioLspClient client)
    {
        for (var i = 0; i < 10; i++)
        {
            var uri = $"file:///bench/doc{i}.loom";
            var text = new StringBuilder(1_000_000);
            while (text.Length < 1_000_000)
            {
                text.Append($"document {i} line {text.Length} with some words in it\n");
            }
            await client.OpenAsync(uri, text.ToString());
            await client.TypeAtEndAsync(uri, "typed");
            await client.RequestAsync("loom/state", new JsonObject { ["uri"] = uri });
        }
        Console.WriteLine($"{"RSS with ten 1 MB documents open (at once)",-48} {client.ResidentBytes() / 1e6,8:F1} MB");
        // Steady state: the server gives garbage back once it has been idle for a moment.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Console.WriteLine($"{"RSS with ten 1 MB documents open (idle 3 s)",-48} {client.ResidentBytes() / 1e6,8:F1} MB");
    }

    private static void Report(string name, List<double> times)
    {
        times.Sort();
        Console.WriteLine($"{name,-48} n={times.Count,6}  p50={times[times.Count / 2],8:F3} ms  p99={times[Math.Min(times.Count - 1, (int)(times.Count * 0.99))],8:F3} ms  max={times[^1],8:F3} ms");
    }

    /// <summary>Builds the <see cref="SpineTree"/> and binds <see cref="Uri"/> to the parent of the deepest spine node (so child/parent both move at depth 2,000).</summary>
    private static (string PathText, string ParentId) Build(string path)
    {
        var (treeId, _, parentOfLeaf) = SpineTree.Build(path);
        using var store = SqliteLoomStore.Open(path);
        store.Write(w =>
        {
            w.SetCurrentNode(treeId, parentOfLeaf);
            w.SetBinding(Uri, treeId, parentOfLeaf);
            return 0;
        });
        return (SpineTree.PathText(SpineTree.Depth - 1), parentOfLeaf);
    }

    private static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Loom.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository (Loom.sln) above " + AppContext.BaseDirectory);
    }

    private static string Publish(string repo)
    {
        var script = Path.Combine(repo, "scripts", "build-server.sh");
        using var build = Process.Start(new ProcessStartInfo("bash") { ArgumentList = { script }, UseShellExecute = false })!;
        build.WaitForExit();
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("scripts/build-server.sh failed");
        }
        return Path.Combine(repo, ".artifacts", "server", OperatingSystem.IsWindows() ? "loom-language-server.exe" : "loom-language-server");
    }
}
