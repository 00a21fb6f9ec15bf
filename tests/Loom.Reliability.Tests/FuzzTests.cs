using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Loom.Reliability.Tests;

/// <summary>
/// 10,000 seeded messages to the real server: broken frames, broken JSON, wrong types, unknown
/// methods, huge ids and strings, out-of-range positions and indexes, unknown documents and nodes,
/// requests before initialize, interleaved with an editor's valid traffic on one document.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    public const int Messages = 10_000;
    private const string Uri = "file:///tmp/loom-fuzz/main.loom";
    private const string Start = "The fuzzer knocks on every door of the loom.";

    private enum Kind
    {
        // valid traffic
        TypeAtEnd, EditMiddle, State, Navigate, Feature, Tree, Generate,
        // hostile
        InvalidJson, ShortLength, LongLength, BadHeader, Garbage, WrongTypes, UnknownMethod, HugeId, HugeString,
        OutOfRange, UnknownTarget, BadId, Cancel, Reinitialize,
    }

    private static readonly (Kind Kind, int Weight)[] Mix =
    [
        (Kind.TypeAtEnd, 16), (Kind.EditMiddle, 3), (Kind.State, 8), (Kind.Navigate, 8), (Kind.Feature, 8), (Kind.Tree, 3), (Kind.Generate, 1),
        (Kind.InvalidJson, 6), (Kind.ShortLength, 3), (Kind.LongLength, 3), (Kind.BadHeader, 3), (Kind.Garbage, 2), (Kind.WrongTypes, 10),
        (Kind.UnknownMethod, 5), (Kind.HugeId, 2), (Kind.HugeString, 1), (Kind.OutOfRange, 8), (Kind.UnknownTarget, 6), (Kind.BadId, 2),
        (Kind.Cancel, 2), (Kind.Reinitialize, 1),
    ];

    [Fact(Timeout = 600_000)]
    public async Task Ten_thousand_hostile_and_valid_messages_never_kill_the_server_and_every_request_is_answered()
    {
        var seed = Seeds.For(20261125);
        using var dir = new TempDir("fuzz");
        var db = dir.File("trees.sqlite");
        var counts = new Dictionary<Kind, int>();
        var clock = Stopwatch.StartNew();
        var requests = new List<(string Label, Task<JsonObject> Answer)>();
        long requestCount = 0;
        TimeSpan answeredAfter = default;
        await using var server = ServerProcess.StartRaw(db, logLevel: "info");
        using var client = new RawLspClient(server.Process.StandardOutput.BaseStream, server.Process.StandardInput.BaseStream);
        await Seeds.RunAsync(seed, async rng =>
        {
            var next = 0;
            JsonNode NewId() => JsonValue.Create("r" + (next++).ToString(CultureInfo.InvariantCulture))!;
            void Track(string label, Task<JsonObject> answer)
            {
                requestCount++;
                requests.Add((label, answer));
            }

            // Before initialize: requests are answered with -32002, notifications dropped.
            for (var i = 0; i < 50; i++)
            {
                var id = NewId();
                var answer = client.Request(id, i % 2 == 0 ? "loom/trees" : "textDocument/hover",
                    new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Uri }, ["position"] = Pos(0, 0) });
                Track("before initialize", answer);
                client.Notify("textDocument/didChange", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Uri, ["version"] = 9 }, ["contentChanges"] = new JsonArray() });
                var early = await answer.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal(-32002, early["error"]?["code"]?.GetValue<int>());
            }
            var init = await client.Request(NewId(), "initialize", new JsonObject
            {
                ["processId"] = null,
                ["capabilities"] = new JsonObject
                {
                    ["workspace"] = new JsonObject { ["applyEdit"] = true, ["workspaceEdit"] = new JsonObject { ["documentChanges"] = true }, ["configuration"] = true },
                    ["window"] = new JsonObject { ["workDoneProgress"] = true },
                },
                ["initializationOptions"] = new JsonObject { ["model"] = "offline/markov", ["branches"] = 2, ["maxTokens"] = 4 },
            }).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.NotNull(init["result"]);
            client.Notify("initialized", new JsonObject());
            client.TrackDocument(Uri, Start, 1);
            client.Notify("textDocument/didOpen", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = Uri, ["languageId"] = "loom", ["version"] = 1, ["text"] = Start },
            });

            var exclude = (Environment.GetEnvironmentVariable("LOOM_FUZZ_EXCLUDE") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
            var mix = Mix.Where(m => !exclude.Contains(m.Kind.ToString())).ToArray();
            var total = mix.Sum(m => m.Weight);
            for (var i = 50; i < Messages; i++)
            {
                var roll = rng.Next(total);
                var kind = mix.First(m => (roll -= m.Weight) < 0).Kind;
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
                var doc = client.Doc(Uri)!;
                if (Environment.GetEnvironmentVariable("LOOM_FUZZ_TRACE") is { Length: > 0 } trace)
                {
                    File.AppendAllText(trace, $"{DateTime.UtcNow:HH:mm:ss.fff} {i} {kind} answered {client.Responses} len {doc.Text.Length}\n");
                    File.WriteAllText(trace + ".stderr", server.Stderr);
                }
                switch (kind)
                {
                    case Kind.TypeAtEnd:
                        client.Change(Uri, doc.Text.Length, doc.Text.Length, Pick(rng, " knock", " door", ".", "\n", " é", " 🧵", " אבג", " e\u0301"));
                        break;
                    case Kind.EditMiddle:
                    {
                        var at = SafeOffset(doc.Text, rng.Next(doc.Text.Length + 1));
                        client.Change(Uri, at, at, Pick(rng, "X", "in the middle ", "🧶"));
                        break;
                    }
                    case Kind.State:
                        Track("loom/state", client.Request(NewId(), "loom/state", new JsonObject { ["uri"] = Uri }));
                        break;
                    case Kind.Navigate:
                    {
                        var (command, args) = rng.Next(5) switch
                        {
                            0 => ("loom.navigateChild", new JsonObject { ["uri"] = Uri }),
                            1 => ("loom.navigateParent", new JsonObject { ["uri"] = Uri }),
                            2 => ("loom.selectSibling", new JsonObject { ["uri"] = Uri, ["delta"] = rng.Next(2) == 0 ? 1 : -1 }),
                            3 => ("loom.toggleBookmark", new JsonObject { ["uri"] = Uri }),
                            _ => ("loom.nextBookmark", new JsonObject { ["uri"] = Uri }),
                        };
                        Track(command, client.Request(NewId(), "workspace/executeCommand", Command(command, args)));
                        break;
                    }
                    case Kind.Feature:
                    {
                        var end = doc.PositionOf(doc.Text.Length);
                        var mid = doc.PositionOf(SafeOffset(doc.Text, rng.Next(doc.Text.Length + 1)));
                        var td = new JsonObject { ["uri"] = Uri };
                        var (method, p) = rng.Next(6) switch
                        {
                            0 => ("textDocument/completion", new JsonObject { ["textDocument"] = td, ["position"] = Pos(end.Line, end.Character) }),
                            1 => ("textDocument/hover", new JsonObject { ["textDocument"] = td, ["position"] = Pos(mid.Line, mid.Character) }),
                            2 => ("textDocument/inlayHint", new JsonObject { ["textDocument"] = td, ["range"] = new JsonObject { ["start"] = Pos(0, 0), ["end"] = Pos(end.Line, end.Character) } }),
                            3 => ("textDocument/documentSymbol", new JsonObject { ["textDocument"] = td }),
                            4 => ("textDocument/semanticTokens/full", new JsonObject { ["textDocument"] = td }),
                            _ => ("textDocument/codeAction", new JsonObject { ["textDocument"] = td, ["range"] = new JsonObject { ["start"] = Pos(0, 0), ["end"] = Pos(0, 0) }, ["context"] = new JsonObject { ["diagnostics"] = new JsonArray() } }),
                        };
                        Track(method, client.Request(NewId(), method, p));
                        break;
                    }
                    case Kind.Tree:
                        Track("loom/tree", client.Request(NewId(), rng.Next(2) == 0 ? "loom/tree" : "loom/trees", new JsonObject { ["uri"] = Uri, ["depth"] = 3 }));
                        break;
                    case Kind.Generate:
                        Track("loom.generate", client.Request(NewId(), "workspace/executeCommand", Command("loom.generate", new JsonObject { ["uri"] = Uri })));
                        break;
                    case Kind.InvalidJson:
                        client.SendRaw(RawLspClient.Frame(Pick(rng,
                            "{", "}", "not json at all", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":", "[1,2,3", "\"just a string\"", "null", "42", "[]", "{}",
                            "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{\"textDocument\":", "\u0000\u0001\u0002", "{\"a\":\"\\uZZZZ\"}")));
                        break;
                    case Kind.ShortLength:
                    {
                        // A client that counts characters instead of UTF-8 bytes: the frame claims fewer bytes than it has.
                        var body = Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":\"lost{i}\",\"method\":\"loom/state\",\"params\":{{\"uri\":\"{Uri}\",\"note\":\"é🧵é🧵\"}}}}");
                        var claimed = Math.Max(1, body.Length - rng.Next(1, 12));
                        client.SendRaw([.. Encoding.ASCII.GetBytes($"Content-Length: {claimed}\r\n\r\n"), .. body]);
                        break;
                    }
                    case Kind.LongLength:
                    {
                        // The frame claims more bytes than its JSON: the rest of its claim is junk (never the next frame).
                        var body = Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"method\":\"loom/unknownNotification\",\"params\":{{\"i\":{i}}}}}");
                        var extra = rng.Next(1, 40);
                        client.SendRaw([.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length + extra}\r\n\r\n"), .. body, .. Enumerable.Repeat((byte)'#', extra)]);
                        break;
                    }
                    case Kind.BadHeader:
                        client.SendRaw(Encoding.ASCII.GetBytes(Pick(rng,
                            "Content-Length: abc\r\n\r\n{}",
                            "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}",
                            "Content-Length: -5\r\n\r\n",
                            "Content-Length:\r\n\r\n",
                            "Content-Length: 3\r\nContent-Length: 2\r\n\r\n{}", // the last one wins: exact (a claim past the body would eat the next frame, which no framing can undo)
                            "no colon here\r\n\r\n")));
                        break;
                    case Kind.Garbage:
                        client.SendRaw(Encoding.UTF8.GetBytes(Pick(rng, "\r\n", "garbage between frames", "\u00ff\u00fe", "Content", "\r\n\r\n\r\n")));
                        break;
                    case Kind.WrongTypes:
                    {
                        var id = NewId();
                        var (method, p) = rng.Next(9) switch
                        {
                            0 => ("loom/state", (JsonNode?)JsonValue.Create("a string, not an object")),
                            1 => ("loom/state", JsonValue.Create(12345)),
                            2 => ("loom/state", new JsonObject { ["uri"] = 42 }),
                            3 => ("textDocument/hover", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Uri }, ["position"] = "0:0" }),
                            4 => ("workspace/executeCommand", new JsonObject { ["command"] = 7, ["arguments"] = "x" }),
                            5 => ("workspace/executeCommand", Command("loom.navigateChild", new JsonObject { ["uri"] = Uri, ["index"] = "first" })),
                            6 => ("workspace/executeCommand", new JsonObject { ["command"] = "loom.navigateParent", ["arguments"] = new JsonArray(JsonValue.Create("x")) }),
                            7 => ("textDocument/completion", new JsonArray(1, 2, 3)),
                            _ => ("loom/tree", new JsonObject { ["uri"] = Uri, ["depth"] = "deep" }),
                        };
                        Track("wrong types " + method, client.Request(id, method, p));
                        if (rng.Next(3) == 0)
                        {
                            // A notification with wrong types for the real document: refused whole, never half applied.
                            client.Notify("textDocument/didChange", new JsonObject
                            {
                                ["textDocument"] = new JsonObject { ["uri"] = Uri, ["version"] = "v" },
                                ["contentChanges"] = new JsonObject { ["text"] = "NEVER" },
                            });
                        }
                        break;
                    }
                    case Kind.UnknownMethod:
                        if (rng.Next(2) == 0)
                        {
                            Track("unknown method", client.Request(NewId(), Pick(rng, "foo/bar", "loom/nothing", "textDocument/rename", "$/weird", ""), new JsonObject()));
                        }
                        else
                        {
                            client.Notify(Pick(rng, "foo/notify", "$/unknownNotification", "textDocument/didSomething"), new JsonObject { ["x"] = 1 });
                        }
                        break;
                    case Kind.HugeId:
                    {
                        JsonNode id = rng.Next(3) switch
                        {
                            0 => JsonValue.Create("id-" + i + new string('x', 100_000))!,
                            1 => JsonValue.Create(int.MaxValue - i)!,
                            _ => JsonValue.Create(long.MaxValue / 4096 - i)!,
                        };
                        Track("huge id", client.Request(id, "loom/trees", new JsonObject()));
                        break;
                    }
                    case Kind.HugeString:
                    {
                        var huge = new string('w', 200_000);
                        if (rng.Next(2) == 0)
                        {
                            Track("huge uri", client.Request(NewId(), "loom/state", new JsonObject { ["uri"] = "file:///" + huge }));
                        }
                        else
                        {
                            client.Notify("textDocument/didChange", new JsonObject
                            {
                                ["textDocument"] = new JsonObject { ["uri"] = "file:///tmp/loom-fuzz/not-open.loom", ["version"] = 2 },
                                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = huge }),
                            });
                        }
                        break;
                    }
                    case Kind.OutOfRange:
                        switch (rng.Next(6))
                        {
                            case 0:
                                client.Notify("textDocument/didChange", new JsonObject
                                {
                                    ["textDocument"] = new JsonObject { ["uri"] = Uri, ["version"] = doc.Version },
                                    ["contentChanges"] = new JsonArray(new JsonObject
                                    {
                                        ["range"] = new JsonObject { ["start"] = Pos(1_000_000, 0), ["end"] = Pos(1_000_000, 5) },
                                        ["text"] = "NEVER",
                                    }),
                                });
                                break;
                            case 1:
                                Track("hover out of range", client.Request(NewId(), "textDocument/hover",
                                    new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Uri }, ["position"] = Pos(rng.Next(2) == 0 ? -1 : 99_999, 99_999) }));
                                break;
                            case 2:
                                Track("navigateChild index", client.Request(NewId(), "workspace/executeCommand",
                                    Command("loom.navigateChild", new JsonObject { ["uri"] = Uri, ["index"] = Pick(rng, -1, 99_999, int.MaxValue) })));
                                break;
                            case 3:
                                Track("selectSibling delta", client.Request(NewId(), "workspace/executeCommand",
                                    Command("loom.selectSibling", new JsonObject { ["uri"] = Uri, ["delta"] = Pick(rng, 0, 1_000_000_000, -7) })));
                                break;
                            case 4:
                                Track("setting out of range", client.Request(NewId(), "workspace/executeCommand",
                                    Command(Pick(rng, "loom.setBranches", "loom.setMaxTokens"), new JsonObject { ["uri"] = Uri, ["branches"] = -3, ["maxTokens"] = 1_000_000_000 })));
                                break;
                            default:
                                Track("inlay out of range", client.Request(NewId(), "textDocument/inlayHint", new JsonObject
                                {
                                    ["textDocument"] = new JsonObject { ["uri"] = Uri },
                                    ["range"] = new JsonObject { ["start"] = Pos(50, 50), ["end"] = Pos(0, 0) },
                                }));
                                break;
                        }
                        break;
                    case Kind.UnknownTarget:
                    {
                        var ghost = "file:///tmp/loom-fuzz/ghost" + rng.Next(5) + ".loom";
                        switch (rng.Next(6))
                        {
                            case 0:
                                Track("state of unknown doc", client.Request(NewId(), "loom/state", new JsonObject { ["uri"] = ghost }));
                                break;
                            case 1:
                                Track("navigateTo unknown node", client.Request(NewId(), "workspace/executeCommand",
                                    Command("loom.navigateTo", new JsonObject { ["uri"] = Uri, ["nodeId"] = Pick(rng, "nope", new string('a', 32), "'; DROP TABLE nodes; --") })));
                                break;
                            case 2:
                                Track("deleteNode unknown", client.Request(NewId(), "workspace/executeCommand",
                                    Command("loom.deleteNode", new JsonObject { ["uri"] = Uri, ["nodeId"] = "0123456789abcdef0123456789abcdef" })));
                                break;
                            case 3:
                                Track("generate unknown doc", client.Request(NewId(), "workspace/executeCommand", Command("loom.generate", new JsonObject { ["uri"] = ghost })));
                                break;
                            case 4:
                                client.Notify("textDocument/didChange", new JsonObject
                                {
                                    ["textDocument"] = new JsonObject { ["uri"] = ghost, ["version"] = 3 },
                                    ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = "lone \ud800 surrogate" }),
                                });
                                break;
                            default:
                                client.Notify("textDocument/didClose", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = ghost } });
                                break;
                        }
                        break;
                    }
                    case Kind.BadId:
                        // Ids that are neither an integer nor a string: not requests at all.
                        client.SendRaw(RawLspClient.Frame(Pick(rng,
                            "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"loom/trees\"}",
                            "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"loom/trees\"}",
                            "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"loom/trees\"}",
                            "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"loom/trees\"}",
                            "{\"jsonrpc\":\"2.0\",\"id\":1e400,\"method\":\"loom/trees\"}")));
                        break;
                    case Kind.Cancel:
                        client.Notify("$/cancelRequest", new JsonObject { ["id"] = "r" + rng.Next(Math.Max(1, next)) });
                        break;
                    case Kind.Reinitialize:
                        Track("second initialize", client.Request(NewId(), "initialize", new JsonObject { ["capabilities"] = new JsonObject() }));
                        break;
                }
                if (client.Closed.Task.IsCompleted || server.Process.HasExited)
                {
                    Assert.Fail($"the server died at message {i} ({kind}): {ClosedReason(client)}\n{Tail(server.Stderr)}");
                }
                if (i % 500 == 0)
                {
                    // Keep the editor honest: wait for the answers so far (bounded backlog, like a real editor).
                    await AnsweredAsync(requests.Select(r => r.Answer), client);
                    var late = requests.Where(r => !r.Answer.IsCompleted).Select(r => r.Label).ToList();
                    Assert.True(late.Count == 0, $"after {i} messages, {late.Count} of {requestCount} requests got no answer: " +
                        $"{string.Join(", ", late.GroupBy(l => l).Select(g => $"{g.Key} x{g.Count()}"))}\n{Tail(server.Stderr)}");
                }
            }

            // Every request that was a well-formed frame gets an answer.
            await AnsweredAsync(requests.Select(r => r.Answer), client);
            answeredAfter = clock.Elapsed;
            var unanswered = requests.Where(r => !r.Answer.IsCompleted).Select(r => r.Label).ToList();
            if (client.Closed.Task.IsCompleted)
            {
                Assert.Fail($"the server closed its output: {ClosedReason(client)}\n{Tail(server.Stderr)}");
            }
            Assert.True(unanswered.Count == 0,
                $"{unanswered.Count} of {requestCount} requests got no answer: {string.Join(", ", unanswered.GroupBy(l => l).Select(g => $"{g.Key} x{g.Count()}"))}\n{Tail(server.Stderr)}");

            // Buffer == current path.
            var state = await Within("the last loom/state", client.Request(NewId(), "loom/state", new JsonObject { ["uri"] = Uri }), server);
            Assert.Equal(client.Doc(Uri)!.Text, state["result"]!["fullText"]!.GetValue<string>());
            Assert.DoesNotContain("NEVER", client.Doc(Uri)!.Text);

            var shutdown = await Within("shutdown", client.Request(NewId(), "shutdown", null), server);
            Assert.Null(shutdown["error"]);
            client.Notify("exit", null);
            await Within("exit", server.Process.WaitForExitAsync().ContinueWith(_ => new JsonObject(), TaskScheduler.Default), server);
            Assert.Equal(0, server.Process.ExitCode);
            Assert.Equal("ok", Db.Read(db).Integrity);
        });
        output.WriteLine($"seed {seed}: {Messages} messages ({string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"))}); " +
                         $"{requestCount} requests, all answered; {client.ServerRequests} server requests answered; {client.Unmatched} responses to ids never sent; " +
                         $"answered after {answeredAfter.TotalSeconds:F1} s, total {clock.Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Waits until every answer came, the server's output closed, or two minutes passed (the assertions then say which).</summary>
    private static async Task AnsweredAsync(IEnumerable<Task<JsonObject>> answers, RawLspClient client) =>
        await Task.WhenAny(Task.WhenAll(answers), client.Closed.Task, Task.Delay(TimeSpan.FromSeconds(60)));

    private static async Task<JsonObject> Within(string what, Task<JsonObject> task, ServerProcess server)
    {
        if (await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(60))) != task)
        {
            Assert.Fail($"no answer to {what} in 60 s\n{Tail(server.Stderr)}");
        }
        return await task;
    }

    /// <summary>Why the server's output ended, without waiting for it to end (an assertion message is built even when it passes).</summary>
    private static string ClosedReason(RawLspClient client) =>
        client.Closed.Task.IsCompleted ? client.Closed.Task.Result?.Message ?? "end of stream" : "its output is still open";

    private static JsonObject Pos(int line, int character) => new() { ["line"] = line, ["character"] = character };

    private static JsonObject Command(string command, JsonObject argument) => new() { ["command"] = command, ["arguments"] = new JsonArray(argument) };

    private static T Pick<T>(Random rng, params T[] options) => options[rng.Next(options.Length)];

    /// <summary>An offset that does not split a surrogate pair.</summary>
    private static int SafeOffset(string text, int offset) =>
        offset > 0 && offset < text.Length && char.IsLowSurrogate(text[offset]) ? offset - 1 : offset;

    private static string Tail(string s) => s.Length <= 4000 ? s : s[^4000..];
}
