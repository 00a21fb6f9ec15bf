using System.Diagnostics;
using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;
using Loom.Reliability.Tests.Support;
using StreamJsonRpc;
using Xunit.Abstractions;

namespace Loom.Reliability.Tests;

/// <summary>Two server processes (two editor windows) on one database file.</summary>
public sealed class TwoServerTests(ITestOutputHelper output)
{
    private const string UriA = "file:///tmp/loom-two/a.loom";
    private const string UriB = "file:///tmp/loom-two/b.loom";
    private const string UriShared = "file:///tmp/loom-two/shared.txt";
    private const int Rounds = 8;

    private static object Options => new { model = "offline/markov", branches = 3, maxTokens = 6 };

    [Fact(Timeout = 240_000)]
    public async Task Two_processes_on_one_file_generate_and_navigate_without_locked_errors_or_lost_writes()
    {
        using var dir = new TempDir("two");
        var db = dir.File("trees.sqlite");
        var clock = Stopwatch.StartNew();
        await using var a = ServerProcess.Start(db);
        await using var b = ServerProcess.Start(db);
        await Task.WhenAll(a.InitializeAsync(Options), b.InitializeAsync(Options));
        await a.Client.OpenAsync(UriA, "Window A begins the story of the river.");
        await b.Client.OpenAsync(UriB, "Window B begins the story of the mountain.");
        var treeA = (await a.Client.RequestAsync("loom/state", new { uri = UriA })).GetProperty("rootId").GetString()!;

        // Each on its own document, at the same time.
        var created = new List<string>();
        var errors = new List<string>();
        await Task.WhenAll(WorkAsync(a.Client, UriA, created, errors), WorkAsync(b.Client, UriB, created, errors));

        // Then both on the same tree: B attaches a second document to A's tree and both generate at once.
        await b.Client.OpenAsync(UriShared, "", languageId: "plaintext");
        var shared = await b.Client.CommandAsync("loom.attach", new { uri = UriShared, treeId = treeA });
        Assert.Equal(b.Client.Text(UriShared), shared.GetProperty("fullText").GetString());
        await Task.WhenAll(WorkAsync(a.Client, UriA, created, errors), WorkAsync(b.Client, UriShared, created, errors));

        // Each sees the other's nodes on its next read of the tree, once both have written what they hold:
        // the last keystrokes are notifications, and a draft reaches the file within a second or on save.
        await Task.WhenAll(a.Client.CommandAsync("loom.save", new { uri = UriA }), b.Client.CommandAsync("loom.save", new { uri = UriShared }));
        var treeFromA = await a.Client.RequestAsync("loom/tree", new { uri = UriA, depth = 100 });
        var treeFromB = await b.Client.RequestAsync("loom/tree", new { uri = UriShared, depth = 100 });
        var idsA = Ids(treeFromA);
        var idsB = Ids(treeFromB);
        Assert.Equal(idsA.Order(), idsB.Order());

        var logs = a.Stderr + b.Stderr + string.Join("\n", a.Client.Notifications("window/logMessage").Concat(b.Client.Notifications("window/logMessage"))
            .Concat(a.Client.Notifications("window/showMessage")).Concat(b.Client.Notifications("window/showMessage")).Select(n => n.GetRawText()));
        Assert.DoesNotContain("locked", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("busy", logs, StringComparison.OrdinalIgnoreCase);
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        Assert.Equal(0, await a.ShutdownAsync());
        Assert.Equal(0, await b.ShutdownAsync());
        var file = Db.Read(db);
        Assert.Equal("ok", file.Integrity);
        var lost = created.Where(id => !file.Nodes.ContainsKey(id)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} generated nodes are not in the file");
        Assert.All(idsA, id => Assert.True(file.Nodes.ContainsKey(id)));
        output.WriteLine($"2 processes x {Rounds} rounds x 2 phases (own documents, then one tree): {created.Count} nodes generated, none lost, " +
                         $"no locked/busy error; shared tree has {idsA.Count} nodes, the same from both; {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_document_hears_of_nodes_another_process_added_under_it_within_a_second_or_two()
    {
        using var dir = new TempDir("two-notify");
        var db = dir.File("trees.sqlite");
        await using var a = ServerProcess.Start(db);
        await using var b = ServerProcess.Start(db);
        await Task.WhenAll(a.InitializeAsync(Options), b.InitializeAsync(Options));
        await a.Client.OpenAsync(UriA, "Both windows look at this node.");
        var treeA = (await a.Client.RequestAsync("loom/state", new { uri = UriA })).GetProperty("rootId").GetString()!;
        await b.Client.OpenAsync(UriShared, "", languageId: "plaintext");
        await b.Client.CommandAsync("loom.attach", new { uri = UriShared, treeId = treeA });
        a.Client.ClearNotifications();
        var generated = await b.Client.CommandAsync("loom.generate", new { uri = UriShared });
        var newIds = generated.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToHashSet();
        var seen = await a.Client.WaitForAsync("loom/stateChanged",
            s => s.GetProperty("state").GetProperty("children").EnumerateArray().Any(c => newIds.Contains(c.GetProperty("id").GetString()!)),
            TimeSpan.FromSeconds(3));
        Assert.Equal(UriA, seen.GetProperty("uri").GetString());
    }

    private static async Task WorkAsync(LspTestClient client, string uri, List<string> created, List<string> errors)
    {
        for (var round = 0; round < Rounds; round++)
        {
            try
            {
                var state = await client.CommandAsync("loom.generate", new { uri });
                lock (created)
                {
                    created.AddRange(state.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("id").GetString()!));
                }
                state = await client.CommandAsync("loom.navigateChild", new { uri, index = round % 3 });
                if (client.Text(uri) != state.GetProperty("fullText").GetString())
                {
                    lock (errors)
                    {
                        errors.Add($"{uri} round {round}: buffer != path after navigateChild");
                    }
                }
                await client.TypeAtEndAsync(uri, $" [{round}]");
                if (round % 3 == 2)
                {
                    await client.CommandAsync("loom.navigateParent", new { uri });
                }
            }
            catch (RemoteInvocationException e)
            {
                lock (errors)
                {
                    errors.Add($"{uri} round {round}: {e.Message}");
                }
            }
        }
    }

    private static List<string> Ids(JsonElement tree)
    {
        var nodes = tree.ValueKind == JsonValueKind.Array ? tree : tree.GetProperty("nodes");
        return nodes.EnumerateArray().Select(n => n.GetProperty("id").GetString()!).ToList();
    }
}
