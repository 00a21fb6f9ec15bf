using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Formats;
using Loom.Core.Generation;
using Loom.Core.Providers;
using Loom.Core.Store;
using Loom.LanguageServer.Settings;
using Loom.LanguageServer.Tests.Harness;
using Loom.Reliability.Tests.Support;
using Loom.Testing.Fakes;
using Xunit.Abstractions;

namespace Loom.Reliability.Tests;

/// <summary>
/// Provider faults during one 8-branch, 2-model generation through the real executable (its default
/// resolver is Core's <see cref="ProviderRegistry"/>), keys set both ways, and then a search for
/// the keys everywhere they must never be.
/// </summary>
public sealed class ProviderFaultTests(ITestOutputHelper output)
{
    private const string Uri = "file:///tmp/loom-faults/story.loom";
    private const string KeyA = "sk-loomtest-A-5f2d9c81e07b4a6d";
    private const string KeyB = "sk-loomtest-B-93c1a7e4b8d2f605";

    [Fact(Timeout = 180_000)]
    public async Task Eight_branches_two_models_six_faults_right_category_per_branch_finished_kept_nothing_duplicated_no_key_anywhere()
    {
        await using var fake = new FakeOpenAiServer();
        var perModel = new ConcurrentDictionary<string, int>();
        fake.BehaviorFor = r =>
        {
            var n = perModel.AddOrUpdate(r.Model ?? "", 1, (_, v) => v + 1) - 1;
            var text = (FakeRequest q, int i) => $" r{q.Seq}t{i}";
            return (r.Model, n) switch
            {
                ("base", 0) => new FakeBehavior { Status = 401, EchoKeyInError = true },
                ("base", 1) => new FakeBehavior { Status = 429, RetryAfter = "3600" },
                ("base", 2) => new FakeBehavior { Tokens = 4, TokenText = text },
                ("base", _) => new FakeBehavior { Tokens = 6, ResetAfter = 3, TokenText = text },
                ("chat", 0) => new FakeBehavior { Status = 500, EchoKeyInError = true },
                ("chat", 1) => new FakeBehavior { Tokens = 4, MalformedAfter = 0, TokenText = text },
                ("chat", 2) => new FakeBehavior { Hang = true },
                _ => new FakeBehavior { Tokens = 4, TokenText = text },
            };
        };
        var env = new Dictionary<string, string> { ["LOOM_TEST_PA_KEY"] = KeyA };
        var settings = new JsonObject
        {
            ["model"] = "pa/base",
            ["providers"] = new JsonObject
            {
                ["pa"] = new JsonObject { ["kind"] = "completions", ["baseUrl"] = fake.BaseUrl, ["apiKeyEnv"] = "LOOM_TEST_PA_KEY", ["timeoutSeconds"] = 2 },
                ["pb"] = new JsonObject { ["kind"] = "chat", ["baseUrl"] = fake.BaseUrl, ["timeoutSeconds"] = 2 },
            },
        };
        var clock = Stopwatch.StartNew();
        using var dir = new TempDir("faults");
        var db = dir.File("trees.sqlite");
        await using var server = ServerProcess.Start(db, env);
        var client = server.Client;
        await server.InitializeAsync(settings);
        await client.OpenAsync(Uri, "The weaver said");
        await client.CommandAsync("loom.setApiKey", new { provider = "pb", key = KeyB });
        var startState = await client.CommandAsync("loom.setModelPlan", new
        {
            uri = Uri,
            plan = new object[]
            {
                new { model = "pa/base", branches = 4, maxTokens = 8, temperature = 1.0, enabled = true },
                new { model = "pb/chat", branches = 4, maxTokens = 8, temperature = 1.0, enabled = true },
            },
        });
        var start = startState.GetProperty("currentNodeId").GetString()!;

        var replyState = await client.CommandAsync("loom.generate", new { uri = Uri });
        var done = await client.WaitForAsync("loom/generation", e => e.GetProperty("event").GetString() != "token", TimeSpan.FromSeconds(60));
        var generateTime = clock.Elapsed;

        Assert.Equal("complete", done.GetProperty("event").GetString());
        var failures = done.GetProperty("failures").EnumerateArray()
            .Select(f => (Model: f.GetProperty("model").GetString()!, Category: f.GetProperty("category").GetString()!, Branch: f.GetProperty("branchIdx").GetInt32(),
                Node: f.TryGetProperty("nodeId", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null))
            .ToList();
        var byModel = failures.GroupBy(f => f.Model).ToDictionary(g => g.Key, g => g.Select(f => f.Category).Order().ToList());
        Assert.Equal(["auth", "network", "rateLimit"], byModel["pa/base"]);
        Assert.Equal(["badResponse", "network", "timeout"], byModel["pb/chat"]);
        Assert.Equal(6, failures.Select(f => f.Branch).Distinct().Count());

        // Finished branches kept, the reset one kept as incomplete; nothing twice.
        var newIds = done.GetProperty("newNodeIds").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, newIds.Count);
        Assert.Equal(newIds.Count, newIds.Distinct().Count());
        var incomplete = failures.Where(f => f.Node is not null).Select(f => f.Node!).ToList();
        Assert.Single(incomplete);
        Assert.Contains(incomplete[0], newIds);
        var children = Db.Read(db).ChildrenOf(start).ToList();
        Assert.Equal(newIds.Order(), children.Select(c => c.Id).Order());
        Assert.Equal(children.Count, children.Select(c => c.Text).Distinct().Count());
        Assert.Equal(8, fake.Requests.Count); // one request per branch: no retry, no duplicate
        Assert.All(fake.Requests.Where(r => r.Model == "base"), r => Assert.Equal("Bearer " + KeyA, r.Header("Authorization")));
        Assert.All(fake.Requests.Where(r => r.Model == "chat"), r => Assert.Equal("Bearer " + KeyB, r.Header("Authorization")));
        var state = await client.RequestAsync("loom/state", new { uri = Uri });
        Assert.Equal(client.Text(Uri), state.GetProperty("fullText").GetString());

        // Keys: nowhere but the requests themselves.
        var exports = Path.Combine(Path.GetTempPath(), "loom-reliability", "exports-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(exports);
        try
        {
            Assert.Equal(0, await server.ShutdownAsync());
            using (var store = SqliteLoomStore.Open(db))
            {
                foreach (var format in LoomFormats.Exportable)
                {
                    await using var file = File.Create(Path.Combine(exports, format.Name()));
                    LoomExporter.Export(store, state.GetProperty("rootId").GetString()!, format, file);
                }
            }
            var haystacks = new Dictionary<string, string>
            {
                ["server stderr"] = server.Stderr,
                ["generate reply"] = replyState.GetRawText(),
                ["notifications"] = string.Join("\n", new[] { "loom/generation", "loom/stateChanged", "window/logMessage", "window/showMessage", "$/progress" }
                    .SelectMany(m => client.Notifications(m).Select(n => n.ValueKind == JsonValueKind.Undefined ? "" : n.GetRawText()))),
            };
            foreach (var f in Directory.GetFiles(exports))
            {
                haystacks["export " + Path.GetFileName(f)] = await File.ReadAllTextAsync(f);
            }
            foreach (var f in Directory.GetFiles(dir.Path))
            {
                haystacks["database file " + Path.GetFileName(f)] = Encoding.Latin1.GetString(await File.ReadAllBytesAsync(f));
            }
            foreach (var (where, text) in haystacks)
            {
                foreach (var key in new[] { KeyA, KeyB, KeyA[^12..], KeyB[^12..] })
                {
                    Assert.False(text.Contains(key, StringComparison.Ordinal), $"a key (or its tail) is in the {where}");
                }
            }
            // The echoed key was there to be leaked: the fake put it in two error bodies.
            Assert.Contains(failures, f => f.Category == "auth");
            output.WriteLine($"8 branches (2 models x 4), 6 faults: {string.Join(", ", failures.Select(f => $"{f.Model}#{f.Branch} {f.Category}"))}; " +
                             $"{newIds.Count} nodes kept (1 incomplete); generation took {generateTime.TotalSeconds:F1} s (the hang is cut by timeoutSeconds 2); " +
                             $"keys searched in {haystacks.Count} places ({haystacks.Sum(h => h.Value.Length)} chars): none");
        }
        finally
        {
            Directory.Delete(exports, true);
        }
    }
}
