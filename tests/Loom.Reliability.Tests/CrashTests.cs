using System.Diagnostics;
using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;
using Loom.Reliability.Tests.Support;
using StreamJsonRpc;
using Xunit.Abstractions;

namespace Loom.Reliability.Tests;

/// <summary>
/// SIGKILL the real server at seeded-random moments during generation, typing and navigation, then
/// check the file as the next process would find it: sound, nothing that was reported is missing,
/// the typed text is there, and the document attaches again with buffer == current path.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    public const int Kills = 50;
    private const string Uri = "file:///tmp/loom-crash/story.loom";
    private const string Start = "Once upon a time the loom kept every thread, and the weaver chose among them.";
    private static readonly string[] Words = ["the", " river", " ran", " cold", ",", " and", " she", " waited", ".", "\n", " é", " 🧵", " loom"];

    private enum Scenario
    {
        Generate,
        Type,
        Navigate,
        GenerateWhileTyping,
    }

    [Fact]
    public async Task Fifty_sigkills_during_generation_typing_and_navigation_lose_nothing()
    {
        var seed = Seeds.For(4242);
        using var dir = new TempDir("crash");
        var db = dir.File("trees.sqlite");
        var clock = Stopwatch.StartNew();
        var perScenario = new Dictionary<Scenario, int>();
        var mustExist = new HashSet<string>(StringComparer.Ordinal);
        var editorText = Start;
        var killsMidGeneration = 0;
        var killsWithPendingRequest = 0;
        await Seeds.RunAsync(seed, async rng =>
        {
            for (var round = 0; round < Kills; round++)
            {
                var scenario = (Scenario)rng.Next(4);
                perScenario[scenario] = perScenario.GetValueOrDefault(scenario) + 1;
                await using var server = ServerProcess.Start(db);
                var client = server.Client;
                string acked = editorText;
                string? ackedNode = null;
                var pending = false;
                try
                {
                    await server.InitializeAsync(new { model = "offline/markov-slow", branches = 2, maxTokens = 10 });

                    // The editor reopens the text it had when the server died: the document attaches again.
                    await client.OpenAsync(Uri, editorText);
                    var state = await client.RequestAsync("loom/state", new { uri = Uri });
                    Assert.Equal(client.Text(Uri), state.GetProperty("fullText").GetString());

                    acked = client.Text(Uri);
                    ackedNode = state.GetProperty("currentNodeId").GetString();
                    switch (scenario)
                    {
                        case Scenario.Generate:
                        {
                            var gen = Observe(client.CommandAsync("loom.generate", new { uri = Uri }));
                            pending = await KillPointInGenerationAsync(client, rng.Next(0, 40));
                            killsMidGeneration += pending ? 1 : 0;
                            if (!pending)
                            {
                                // Finished: the reply is the state with the new children; the buffer was never touched.
                                var s = await gen;
                                Assert.Equal(client.Text(Uri), s.GetProperty("fullText").GetString());
                            }
                            break;
                        }
                        case Scenario.Type:
                        case Scenario.GenerateWhileTyping:
                        {
                            Task<JsonElement>? gen = scenario == Scenario.GenerateWhileTyping ? Observe(client.CommandAsync("loom.generate", new { uri = Uri })) : null;
                            var keys = rng.Next(1, 40);
                            for (var k = 0; k < keys; k++)
                            {
                                await client.TypeAtEndAsync(Uri, Words[rng.Next(Words.Length)]);
                                if (rng.NextDouble() < 0.25)
                                {
                                    // An acknowledged keystroke: loom/state is queued behind every change sent before it.
                                    var sent = client.Text(Uri);
                                    var s = await client.RequestAsync("loom/state", new { uri = Uri });
                                    if (gen is null)
                                    {
                                        Assert.Equal(sent, s.GetProperty("fullText").GetString());
                                    }
                                    acked = sent;
                                    ackedNode = s.GetProperty("currentNodeId").GetString();
                                }
                            }
                            pending = rng.NextDouble() < 0.7; // else: kill after a last acknowledgement
                            if (!pending)
                            {
                                acked = client.Text(Uri);
                                var s = await client.RequestAsync("loom/state", new { uri = Uri });
                                ackedNode = s.GetProperty("currentNodeId").GetString();
                            }
                            if (gen is not null)
                            {
                                killsMidGeneration += gen.IsCompleted ? 0 : 1;
                                pending = true;
                            }
                            break;
                        }
                        case Scenario.Navigate:
                        {
                            var steps = rng.Next(1, 12);
                            for (var k = 0; k < steps; k++)
                            {
                                var lastStep = k == steps - 1 && rng.NextDouble() < 0.6;
                                var call = NavigationCommand(client, rng, state);
                                if (lastStep)
                                {
                                    _ = Observe(call);
                                    pending = true;
                                    break;
                                }
                                try
                                {
                                    state = await call;
                                    if (state.TryGetProperty("state", out var inner))
                                    {
                                        state = inner;
                                    }
                                    Assert.Equal(client.Text(Uri), state.GetProperty("fullText").GetString());
                                    acked = client.Text(Uri);
                                    ackedNode = state.GetProperty("currentNodeId").GetString();
                                }
                                catch (RemoteInvocationException)
                                {
                                    // e.g. navigateChild on a leaf: refused, nothing changed.
                                }
                            }
                            break;
                        }
                    }
                    killsWithPendingRequest += pending ? 1 : 0;
                }
                finally
                {
                    server.Kill();
                }

                // What the editor and the user were told before the kill.
                editorText = client.Text(Uri);
                foreach (var n in client.Notifications("loom/generation"))
                {
                    if (n.GetProperty("event").GetString() == "complete")
                    {
                        foreach (var id in n.GetProperty("newNodeIds").EnumerateArray())
                        {
                            mustExist.Add(id.GetString()!);
                        }
                    }
                }
                foreach (var n in client.Notifications("loom/stateChanged"))
                {
                    foreach (var child in n.GetProperty("state").GetProperty("children").EnumerateArray())
                    {
                        if (child.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String)
                        {
                            mustExist.Add(child.GetProperty("id").GetString()!);
                        }
                    }
                }

                var file = Db.Read(db);
                Assert.True(file.Integrity == "ok", $"round {round} ({scenario}): integrity_check = {file.Integrity}");
                var missing = mustExist.Where(id => !file.Nodes.ContainsKey(id)).ToList();
                Assert.True(missing.Count == 0, $"round {round} ({scenario}): {missing.Count} finished branches are gone: {string.Join(", ", missing)}");
                Assert.True(file.HasPathStartingWith(acked), $"round {round} ({scenario}): the acknowledged text does not begin any path of the tree:\n acked  {Show(acked)}\n editor {Show(editorText)}\n trees  {string.Join("\n        ", file.CurrentNodes.Values.Where(v => v is not null).Select(v => Show(file.PathText(v!))))}");
                if (!pending && ackedNode is not null)
                {
                    var tree = file.Nodes[ackedNode].TreeId;
                    Assert.True(file.CurrentNodes[tree] == ackedNode, $"round {round} ({scenario}): current node {file.CurrentNodes[tree]} != acknowledged {ackedNode}\n current {Show(file.PathText(file.CurrentNodes[tree]!))} {file.Nodes[file.CurrentNodes[tree]!].Metadata}\n acked   {Show(file.PathText(ackedNode))} {file.Nodes[ackedNode].Metadata}\n binding {file.Bindings.GetValueOrDefault(Uri)}");
                }
                if (scenario == Scenario.Type && ackedNode is not null)
                {
                    // Typed text reaches the file per keystroke: the current path holds at least the
                    // acknowledged keystrokes and at most what the editor sent.
                    var current = file.PathText(file.CurrentNodes[file.Nodes[ackedNode].TreeId]!);
                    Assert.True(current.StartsWith(acked, StringComparison.Ordinal) && editorText.StartsWith(current, StringComparison.Ordinal),
                        $"round {round}: current path …{Tail(current)} is not between the acknowledged …{Tail(acked)} and the editor's …{Tail(editorText)}");
                }
            }

            // The last reopen: attaches with buffer == path and shuts down cleanly.
            await using var last = ServerProcess.Start(db);
            await last.InitializeAsync();
            await last.Client.OpenAsync(Uri, editorText);
            var final = await last.Client.RequestAsync("loom/state", new { uri = Uri });
            Assert.Equal(editorText, final.GetProperty("fullText").GetString());
            Assert.Equal(0, await last.ShutdownAsync());
            var after = Db.Read(db);
            Assert.Equal("ok", after.Integrity);
            Assert.All(mustExist, id => Assert.True(after.Nodes.ContainsKey(id)));
        });
        output.WriteLine($"seed {seed}: {Kills} SIGKILLs ({string.Join(", ", perScenario.Select(p => $"{p.Key} {p.Value}"))}); " +
                         $"{killsMidGeneration} with a generation streaming, {killsWithPendingRequest} with a request in flight; " +
                         $"{mustExist.Count} finished branches checked after every kill; {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Waits until <paramref name="tokens"/> token notifications arrived (or the generation ended); true when it is still running.</summary>
    private static async Task<bool> KillPointInGenerationAsync(LspTestClient client, int tokens)
    {
        if (tokens == 0)
        {
            return true;
        }
        var e = await client.WaitForAsync("loom/generation", _ =>
        {
            var all = client.Notifications("loom/generation");
            return all.Count(n => n.GetProperty("event").GetString() == "token") >= tokens ||
                   all.Any(n => n.GetProperty("event").GetString() != "token");
        }, TimeSpan.FromSeconds(60));
        return client.Notifications("loom/generation").All(n => n.GetProperty("event").GetString() == "token");
    }

    private static Task<JsonElement> NavigationCommand(LspTestClient client, Random rng, JsonElement state)
    {
        switch (rng.Next(5))
        {
            case 0:
            case 1:
                var children = state.GetProperty("children").GetArrayLength();
                return children == 0
                    ? client.CommandAsync("loom.navigateParent", new { uri = Uri })
                    : client.CommandAsync("loom.navigateChild", new { uri = Uri, index = rng.Next(children) });
            case 2:
                return client.CommandAsync("loom.navigateParent", new { uri = Uri });
            case 3:
                return client.CommandAsync("loom.selectSibling", new { uri = Uri, delta = rng.Next(2) == 0 ? -1 : 1 });
            default:
                return client.CommandAsync("loom.toggleBookmark", new { uri = Uri });
        }
    }

    /// <summary>A request whose answer may never come (the server is killed): its failure is expected and observed.</summary>
    private static Task<JsonElement> Observe(Task<JsonElement> call)
    {
        _ = call.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        return call;
    }

    private static string Show(string s) => JsonSerializer.Serialize(s);

    private static string Tail(string s) => s.Length <= 60 ? s : s[^60..];
}
