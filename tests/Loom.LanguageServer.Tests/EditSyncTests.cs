using System.Text.Json;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

/// <summary>Buffer edits mapped to the tree, and the buffer kept equal to the path (also when the client refuses edits).</summary>
public sealed class EditSyncTests
{
    private const string Uri = "file:///tmp/edits.loom";
    private const string Prompt = "The ship left the harbour at dawn.";

    private static int NodeCount(ServerFixture f, JsonElement state) => f.Store.GetTreeNodes(state.GetProperty("treeId").GetString()!).Count;

    [Fact]
    public async Task Typing_at_the_end_makes_one_draft_child_extended_in_place()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        // A root something was generated from is no longer extended in place: typing makes a draft child.
        var start = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 4 });
        var before = NodeCount(f, start);
        foreach (var c in " It rained.")
        {
            await f.Client.TypeAtEndAsync(Uri, c.ToString());
        }
        var state = await f.StateAsync(Uri);
        Assert.Equal(Prompt + " It rained.", state.GetProperty("fullText").GetString());
        Assert.Equal(f.Client.Text(Uri), state.GetProperty("fullText").GetString());
        Assert.Equal(before + 1, NodeCount(f, state));
        // The draft is in the database already (Core writes every edit at once).
        Assert.Equal(" It rained.", f.Store.GetNode(state.GetProperty("currentNodeId").GetString()!).Text);
    }

    [Fact]
    public async Task Typing_abc_and_undoing_three_times_leaves_the_tree_as_it_was()
    {
        await using var f = await ServerFixture.StartAsync();
        var start = await f.OpenLoomAsync(Uri, Prompt);
        var before = NodeCount(f, start);
        foreach (var c in "abc")
        {
            await f.Client.TypeAtEndAsync(Uri, c.ToString());
        }
        for (var i = 0; i < 3; i++)
        {
            var end = f.Client.Text(Uri).Length;
            await f.Client.ChangeAsync(Uri, end - 1, end, "");
        }
        var state = await f.StateAsync(Uri);
        Assert.Equal(Prompt, state.GetProperty("fullText").GetString());
        Assert.Equal(start.GetProperty("currentNodeId").GetString(), state.GetProperty("currentNodeId").GetString());
        Assert.Equal(before, NodeCount(f, state));
    }

    [Fact]
    public async Task A_mid_buffer_edit_forks_and_keeps_the_original()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        var gen = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 6 });
        var child = gen.GetProperty("children")[0];
        await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri });
        var fullBefore = f.Client.Text(Uri);
        // Replace a character inside the generated segment.
        var at = Prompt.Length + 1;
        await f.Client.ChangeAsync(Uri, at, at + 1, "Z");
        var state = await f.StateAsync(Uri);
        Assert.Equal(f.Client.Text(Uri), state.GetProperty("fullText").GetString());
        Assert.NotEqual(child.GetProperty("id").GetString(), state.GetProperty("currentNodeId").GetString());
        var original = f.Store.GetNode(child.GetProperty("id").GetString()!);
        Assert.Equal(child.GetProperty("text").GetString(), original.Text);
        var edited = f.Store.GetNode(state.GetProperty("currentNodeId").GetString()!);
        Assert.Equal("edited", edited.Author);
        Assert.NotEqual(fullBefore, f.Client.Text(Uri));
    }

    [Fact]
    public async Task Insert_at_position_0_emoji_and_crlf_map_exactly()
    {
        await using var f = await ServerFixture.StartAsync();
        const string text = "line one\r\nline two 🙂 end";
        await f.OpenLoomAsync(Uri, text);
        await f.Client.ChangeAsync(Uri, 0, 0, ">> ");
        var state = await f.StateAsync(Uri);
        Assert.Equal(">> " + text, state.GetProperty("fullText").GetString());
        // Replace the emoji (two UTF-16 units) after the CRLF.
        var emoji = f.Client.Text(Uri).IndexOf("🙂", StringComparison.Ordinal);
        await f.Client.ChangeAsync(Uri, emoji, emoji + 2, "🎉🎉");
        await f.Client.TypeAtEndAsync(Uri, "\r\nthird 😀");
        state = await f.StateAsync(Uri);
        Assert.Equal(">> line one\r\nline two 🎉🎉 end\r\nthird 😀", state.GetProperty("fullText").GetString());
        Assert.Equal(f.Client.Text(Uri), state.GetProperty("fullText").GetString());
    }

    [Fact]
    public async Task Utf8_positions_are_honoured()
    {
        await using var f = await ServerFixture.StartAsync(capabilities: new
        {
            workspace = new { applyEdit = true, workspaceEdit = new { documentChanges = true } },
            general = new { positionEncodings = new[] { "utf-8" } },
        });
        f.Client.Encoding = PositionEncoding.Utf8;
        const string text = "naïve 🙂 text";
        await f.OpenLoomAsync(Uri, text);
        var at = text.IndexOf("text", StringComparison.Ordinal);
        await f.Client.ChangeAsync(Uri, at, at + 4, "words");
        var state = await f.StateAsync(Uri);
        Assert.Equal("naïve 🙂 words", state.GetProperty("fullText").GetString());
        var gen = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 4 });
        await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri });
        Assert.Equal("naïve 🙂 words" + gen.GetProperty("children")[0].GetProperty("text").GetString(), f.Client.Text(Uri));
    }

    [Fact]
    public async Task A_refused_applyEdit_resynchronizes_by_taking_the_client_text_as_an_edit()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        var gen = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 6 });
        f.Client.RefuseEdits = true;
        var state = await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri });
        Assert.Equal(Prompt, f.Client.Text(Uri));
        Assert.Equal(Prompt, state.GetProperty("fullText").GetString());
        var server = await f.StateAsync(Uri);
        Assert.Equal(Prompt, server.GetProperty("fullText").GetString());
        // Nothing was lost: the generated child is still there.
        Assert.Equal(gen.GetProperty("children")[0].GetProperty("id").GetString(), server.GetProperty("children")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Crossed_versions_are_refused_by_the_client_and_the_typing_survives()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 6 });
        // The user types just before the server's edit arrives: the edit names an old version and is refused.
        f.Client.BeforeApplyEdit = c => _ = c.TypeAtEndAsync(Uri, "!");
        await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri });
        Assert.Equal(Prompt + "!", f.Client.Text(Uri));
        var server = await f.StateAsync(Uri);
        Assert.Equal(Prompt + "!", server.GetProperty("fullText").GetString());
        Assert.Contains(f.Client.Notifications("workspace/applyEdit"), _ => true);
    }

    [Fact]
    public async Task A_didChange_range_outside_the_document_is_logged_and_changes_nothing()
    {
        await using var f = await ServerFixture.StartAsync();
        var start = await f.OpenLoomAsync(Uri, Prompt);
        await f.Client.NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri = Uri, version = 7 },
            contentChanges = new[] { new { range = new { start = new { line = 40, character = 0 }, end = new { line = 41, character = 0 } }, text = "x" } },
        });
        var state = await f.StateAsync(Uri);
        Assert.Equal(Prompt, state.GetProperty("fullText").GetString());
        Assert.Equal(NodeCount(f, start), NodeCount(f, state));
        await f.Client.WaitForAsync("window/logMessage", m => m.GetProperty("message").GetString()!.Contains("outside the document"));
    }

    [Fact]
    public async Task Reopening_a_bound_file_attaches_and_external_edits_are_applied_as_edits()
    {
        await using var f = await ServerFixture.StartAsync();
        var first = await f.OpenLoomAsync(Uri, Prompt);
        await f.Client.TypeAtEndAsync(Uri, " Gulls cried.");
        var typed = await f.StateAsync(Uri);
        await f.Client.CloseAsync(Uri);
        var reopened = await f.OpenLoomAsync(Uri, Prompt + " Gulls cried.");
        Assert.Equal(first.GetProperty("treeId").GetString(), reopened.GetProperty("treeId").GetString());
        Assert.Equal(typed.GetProperty("currentNodeId").GetString(), reopened.GetProperty("currentNodeId").GetString());
        var count = NodeCount(f, reopened);
        await f.Client.CloseAsync(Uri);
        // Edited outside the editor: the difference becomes an edit, nothing is lost.
        var external = await f.OpenLoomAsync(Uri, Prompt + " Gulls cried loudly.");
        Assert.Equal(first.GetProperty("treeId").GetString(), external.GetProperty("treeId").GetString());
        Assert.Equal(Prompt + " Gulls cried loudly.", external.GetProperty("fullText").GetString());
        Assert.True(NodeCount(f, external) >= count);
        Assert.Equal(" Gulls cried.", f.Store.GetNode(typed.GetProperty("currentNodeId").GetString()!).Text.Length > 0 ? " Gulls cried." : "");
    }

    [Fact]
    public async Task Drafts_are_in_the_database_after_close()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 4 });
        await f.Client.TypeAtEndAsync(Uri, " Draft text.");
        var state = await f.StateAsync(Uri);
        await f.Client.CloseAsync(Uri);
        await f.Client.RequestAsync("loom/trees", new { });
        var node = f.Store.GetNode(state.GetProperty("currentNodeId").GetString()!);
        Assert.Equal(" Draft text.", node.Text);
        Assert.Equal(node.Id, f.Store.GetBinding(Uri)!.NodeId);
    }

    [Fact]
    public async Task Editing_the_root_forks_a_new_tree_and_rebinds_the_document()
    {
        await using var f = await ServerFixture.StartAsync();
        var start = await f.OpenLoomAsync(Uri, Prompt);
        await f.Client.CommandAsync("loom.setContext", new { uri = Uri, context = "Sea stories." });
        await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 4 });
        await f.Client.ChangeAsync(Uri, 4, 8, "boat");
        var state = await f.StateAsync(Uri);
        Assert.Equal("The boat left the harbour at dawn.", state.GetProperty("fullText").GetString());
        Assert.NotEqual(start.GetProperty("treeId").GetString(), state.GetProperty("treeId").GetString());
        Assert.Equal("Sea stories.", state.GetProperty("context").GetString());
        Assert.Equal(state.GetProperty("treeId").GetString(), f.Store.GetBinding(Uri)!.TreeId);
        Assert.Equal(Prompt, f.Store.GetNode(start.GetProperty("rootId").GetString()!).Text);
    }

    [Fact]
    public async Task Many_quick_changes_apply_in_order()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        var sends = new List<Task>();
        for (var i = 0; i < 200; i++)
        {
            sends.Add(f.Client.TypeAtEndAsync(Uri, (i % 10).ToString()));
        }
        await Task.WhenAll(sends);
        var state = await f.StateAsync(Uri);
        Assert.Equal(f.Client.Text(Uri), state.GetProperty("fullText").GetString());
        Assert.EndsWith("0123456789", state.GetProperty("fullText").GetString());
    }
}

public sealed class WideChangeTests
{
    [Fact]
    public async Task A_change_replacing_more_than_it_changes_is_trimmed_to_the_real_change()
    {
        await using var f = await ServerFixture.StartAsync();
        const string uri = "file:///tmp/wide.loom";
        await f.OpenLoomAsync(uri, "The cat sat.");
        var gen = await f.Client.CommandAsync("loom.generate", new { uri, branches = 1, maxTokens = 4 });
        var before = f.Store.GetTreeNodes(gen.GetProperty("treeId").GetString()!).Count;
        // The editor replaces the whole document with the same text plus one word at the end.
        var text = f.Client.Text(uri);
        await f.Client.ChangeAsync(uri, 0, text.Length, text + " Then it slept.");
        var state = await f.StateAsync(uri);
        Assert.Equal(text + " Then it slept.", state.GetProperty("fullText").GetString());
        // Only a draft child was added: the root was not forked into a new tree.
        Assert.Equal(gen.GetProperty("treeId").GetString(), state.GetProperty("treeId").GetString());
        Assert.Equal(before + 1, f.Store.GetTreeNodes(state.GetProperty("treeId").GetString()!).Count);
    }
}
