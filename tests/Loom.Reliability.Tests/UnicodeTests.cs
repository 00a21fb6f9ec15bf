using System.Text;
using System.Text.Json.Nodes;
using Loom.Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Loom.Reliability.Tests;

/// <summary>Every kind of Unicode through the real executable: it round-trips; a broken client's lone surrogates become U+FFFD in the tree and the buffer; a request with one is refused clearly.</summary>
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
    public async Task Surrogate_pairs_combining_marks_rtl_and_nul_round_trip_and_lone_surrogates_become_U_FFFD_in_tree_and_buffer()
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

        // A broken client types lone surrogates (JSON "\ud800", "\udc00"): Loom keeps U+FFFD in their
        // place, puts that in the buffer too (same length, nothing else moves) and says so.
        var at = client.Doc(Uri)!.Text.Length;
        client.Change(Uri, at, at, "lone \ud800 surrogates \udc00!", "\"lone \\ud800 surrogates \\udc00!\"");
        var repaired = await PathText();
        Assert.EndsWith("lone \ufffd surrogates \ufffd!", repaired, StringComparison.Ordinal);
        Assert.Equal(client.Doc(Uri)!.Text, repaired);
        var mid2 = client.Doc(Uri)!.Text.IndexOf(' ', StringComparison.Ordinal);
        client.Change(Uri, mid2, mid2, "\udfff", "\"\\udfff\"");
        var path = await PathText(); // first: the buffer is read after the server's edit came
        Assert.Equal(client.Doc(Uri)!.Text, path);
        Assert.Equal('\ufffd', client.Doc(Uri)!.Text[mid2]);
        client.Change(Uri, at, at, "after");
        path = await PathText();
        Assert.Equal(client.Doc(Uri)!.Text, path);
        var warnings = client.Notifications.Where(n => n["method"]?.GetValue<string>() == "window/logMessage" && n["params"]!["type"]!.GetValue<int>() == 2)
            .Select(n => n["params"]!["message"]!.GetValue<string>()).ToList();
        Assert.Contains(warnings, w => w.Contains("lone UTF-16 surrogate", StringComparison.Ordinal));

        // The same in a request: answered with an error, not dropped.
        var id = "lone";
        var answer = client.Expect(JsonValue.Create(id)!);
        client.SendRaw(RawLspClient.Frame(Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":\"lone\",\"method\":\"loom/state\",\"params\":{\"uri\":\"file:///x\\udc00.loom\"}}")));
        var reply = await answer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(reply["error"]);
        output.WriteLine($"{Pieces.Length} kinds of text typed at the end and in the middle, generated from and navigated: buffer == path each time; " +
                         $"lone surrogates in didChange: replaced by U+FFFD in tree and buffer ({warnings.LastOrDefault()}); in a request: {reply["error"]!["code"]} {reply["error"]!["message"]}");
    }

    [Fact(Timeout = 120_000)]
    public async Task A_document_opened_with_lone_surrogates_is_a_loom_with_U_FFFD_in_tree_and_buffer()
    {
        using var dir = new TempDir("unicode-open");
        await using var server = ServerProcess.StartRaw(dir.File("trees.sqlite"));
        using var client = new RawLspClient(server.Process.StandardOutput.BaseStream, server.Process.StandardInput.BaseStream);
        var next = 0;
        Task<JsonObject> Ask(string method, JsonNode? p) => client.Request(JsonValue.Create("o" + next++)!, method, p).WaitAsync(TimeSpan.FromSeconds(30));
        await Ask("initialize", new JsonObject
        {
            ["capabilities"] = new JsonObject { ["workspace"] = new JsonObject { ["applyEdit"] = true, ["workspaceEdit"] = new JsonObject { ["documentChanges"] = true } } },
            ["initializationOptions"] = new JsonObject { ["model"] = "offline/markov" },
        });
        client.Notify("initialized", new JsonObject());
        client.TrackDocument(Uri, "broken \ud800 and \udc00 text", 1);
        client.SendRaw(RawLspClient.Frame("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"" + Uri +
                                          "\",\"languageId\":\"loom\",\"version\":1,\"text\":\"broken \\ud800 and \\udc00 text\"}}}"));
        var state = await Ask("loom/state", new JsonObject { ["uri"] = Uri });
        Assert.Equal("broken \ufffd and \ufffd text", state["result"]!["fullText"]!.GetValue<string>());
        Assert.Equal("broken \ufffd and \ufffd text", client.Doc(Uri)!.Text);
    }
}
