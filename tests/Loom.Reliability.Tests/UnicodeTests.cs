using System.Text;
using System.Text.Json.Nodes;
using Loom.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Loom.Reliability.Tests;

/// <summary>Every kind of Unicode through the real executable: it round-trips, or a broken client's text is rejected clearly.</summary>
public sealed class UnicodeTests(ITestOutputHelper output)
{
    private const string Uri = "file:///tmp/loom-unicode/doc.loom";

    private static readonly string[] Pieces =
    [
        "😀🧵👩‍👩‍👧",                 // surrogate pairs, a ZWJ sequence
        "e\u0301 a\u0308\u0323",     // combining marks
        " שלום عليكم ",              // RTL scripts
        "\u202eevil\u202c\u200f",    // bidi controls
        "nul\0here",                 // NUL
        "\r\nCRLF\ttab",             // line breaks and controls
        "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ｆｕｌｌ",          // astral letters, fullwidth
    ];

    [Fact(Timeout = 120_000)]
    public async Task Surrogate_pairs_combining_marks_rtl_and_nul_round_trip_and_a_lone_surrogate_is_rejected_clearly()
    {
        using var dir = new TempDir("unicode");
        var db = dir.File("trees.sqlite");
        await using var server = ServerProcess.StartRaw(db);
        using var client = new RawLspClient(server.Process.StandardOutput.BaseStream, server.Process.StandardInput.BaseStream);
        var next = 0;
        Task<JsonObject> Ask(string method, JsonNode? p) => client.Request(JsonValue.Create("u" + next++)!, method, p).WaitAsync(TimeSpan.FromSeconds(30));
        async Task<string> PathText() => (await Ask("loom/state", new JsonObject { ["uri"] = Uri }))["result"]!["fullText"]!.GetValue<string>();
        Task<JsonObject> Command(string name) => Ask("workspace/executeCommand",
            new JsonObject { ["command"] = name, ["arguments"] = new JsonArray(new JsonObject { ["uri"] = Uri }) });

        await Ask("initialize", new JsonObject
        {
            ["capabilities"] = new JsonObject { ["workspace"] = new JsonObject { ["applyEdit"] = true, ["workspaceEdit"] = new JsonObject { ["documentChanges"] = true } } },
            ["initializationOptions"] = new JsonObject { ["model"] = "offline/markov", ["branches"] = 2, ["maxTokens"] = 6 },
        });
        client.Notify("initialized", new JsonObject());
        var start = string.Concat(Pieces);
        client.TrackDocument(Uri, start, 1);
        client.Notify("textDocument/didOpen", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = Uri, ["languageId"] = "loom", ["version"] = 1, ["text"] = start } });
        Assert.Equal(start, await PathText());

        // Typing every kind at the end and in the middle (never inside a surrogate pair).
        foreach (var piece in Pieces)
        {
            var doc = client.Doc(Uri)!;
            client.Change(Uri, doc.Text.Length, doc.Text.Length, piece);
            Assert.Equal(client.Doc(Uri)!.Text, await PathText());
            var mid = doc.Text.IndexOf(' ', StringComparison.Ordinal) + 1;
            client.Change(Uri, mid, mid, piece);
            Assert.Equal(client.Doc(Uri)!.Text, await PathText());
        }

        // Generation from that text (the Markov model learns from it), then navigation through applyEdit.
        var generated = await Command("loom.generate");
        Assert.Null(generated["error"]);
        var child = await Command("loom.navigateChild");
        Assert.Null(child["error"]);
        Assert.Equal(client.Doc(Uri)!.Text, child["result"]!["fullText"]!.GetValue<string>());
        Assert.Equal(client.Doc(Uri)!.Text, await PathText());
        var parent = await Command("loom.navigateParent");
        Assert.Equal(client.Doc(Uri)!.Text, parent["result"]!["fullText"]!.GetValue<string>());

        // A broken client sends a lone surrogate (JSON "\ud800"): the change is refused with an error log, not half applied.
        var before = client.Doc(Uri)!.Text;
        var broken = "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{\"textDocument\":{\"uri\":\"" + Uri + "\",\"version\":999}," +
                     "\"contentChanges\":[{\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":0,\"character\":0}},\"text\":\"lone \\ud800 surrogate\"}]}}";
        client.SendRaw(RawLspClient.Frame(Encoding.UTF8.GetBytes(broken)));
        var stateAfter = await PathText();
        Assert.Equal(before, stateAfter);
        var errors = client.Notifications.Where(n => n["method"]?.GetValue<string>() == "window/logMessage" && n["params"]!["type"]!.GetValue<int>() == 1)
            .Select(n => n["params"]!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(errors, e => e.Contains("didChange", StringComparison.Ordinal) || e.Contains("surrogate", StringComparison.OrdinalIgnoreCase) || e.Contains("UTF-16", StringComparison.Ordinal));

        // The same in a request: answered with an error, not dropped.
        var id = "lone";
        var answer = client.Expect(JsonValue.Create(id)!);
        client.SendRaw(RawLspClient.Frame(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":\"lone\",\"method\":\"loom/state\",\"params\":{\"uri\":\"file:///x\\udc00.loom\"}}")));
        var reply = await answer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(reply["error"]);
        output.WriteLine($"{Pieces.Length} kinds of text typed at the end and in the middle, generated from and navigated: buffer == path each time; " +
                         $"lone surrogate in didChange: refused ({errors.LastOrDefault()}); in a request: {reply["error"]!["code"]} {reply["error"]!["message"]}");
    }
}
