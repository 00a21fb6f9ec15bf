using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

public sealed class CommandTests
{
    private const string Uri = "file:///tmp/commands.loom";
    private const string Prompt = "In the beginning the loom had no threads";

    private static async Task<(ServerFixture F, JsonElement State)> WithChildrenAsync(int branches = 3)
    {
        var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        var state = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches, maxTokens = 6 });
        return (f, state);
    }

    private static string Id(JsonElement state) => state.GetProperty("currentNodeId").GetString()!;

    [Fact]
    public async Task Select_sibling_wraps_and_navigate_child_follows_the_selection()
    {
        var (f, state) = await WithChildrenAsync();
        await using var _ = f;
        var first = state.GetProperty("selectedChildIdx").GetInt32();
        state = await f.Client.CommandAsync("loom.selectSibling", new { uri = Uri, delta = -1 });
        Assert.Equal((first + 2) % 3, state.GetProperty("selectedChildIdx").GetInt32());
        state = await f.Client.CommandAsync("loom.selectSibling", new { uri = Uri, delta = 1 });
        Assert.Equal(first, state.GetProperty("selectedChildIdx").GetInt32());
        for (var i = 0; i < 3 - first; i++)
        {
            state = await f.Client.CommandAsync("loom.selectSibling", new { uri = Uri, delta = 1 });
        }
        Assert.Equal(0, state.GetProperty("selectedChildIdx").GetInt32());
        var selected = state.GetProperty("children")[0];
        Assert.Equal(Prompt, f.Client.Text(Uri));
        state = await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri });
        Assert.Equal(selected.GetProperty("id").GetString(), Id(state));
        Assert.Equal(Prompt + selected.GetProperty("text").GetString(), f.Client.Text(Uri));
    }

    [Fact]
    public async Task NavigateTo_checks_out_any_node_and_the_buffer_follows()
    {
        var (f, state) = await WithChildrenAsync(2);
        await using var _ = f;
        var second = state.GetProperty("children")[1];
        state = await f.Client.CommandAsync("loom.navigateTo", new { uri = Uri, nodeId = second.GetProperty("id").GetString() });
        Assert.Equal(Prompt + second.GetProperty("text").GetString(), f.Client.Text(Uri));
        state = await f.Client.CommandAsync("loom.navigateTo", new { uri = Uri, nodeId = state.GetProperty("rootId").GetString() });
        Assert.Equal(Prompt, f.Client.Text(Uri));
        Assert.Equal(Prompt, state.GetProperty("fullText").GetString());
    }

    [Fact]
    public async Task Bookmarks_toggle_and_next_bookmark_navigates()
    {
        var (f, state) = await WithChildrenAsync(2);
        await using var _ = f;
        var child = state.GetProperty("children")[1].GetProperty("id").GetString()!;
        var result = await f.Client.CommandAsync("loom.toggleBookmark", new { uri = Uri, nodeId = child });
        Assert.True(result.GetProperty("bookmarked").GetBoolean());
        Assert.True(result.GetProperty("state").GetProperty("children")[1].GetProperty("bookmarked").GetBoolean());
        state = await f.Client.CommandAsync("loom.nextBookmark", new { uri = Uri });
        Assert.Equal(child, Id(state));
        Assert.Equal(state.GetProperty("fullText").GetString(), f.Client.Text(Uri));
        Assert.True(state.GetProperty("bookmarked").GetBoolean());
        result = await f.Client.CommandAsync("loom.toggleBookmark", new { uri = Uri });
        Assert.False(result.GetProperty("bookmarked").GetBoolean());
    }

    [Fact]
    public async Task View_toggles_change_the_state()
    {
        var (f, state) = await WithChildrenAsync(2);
        await using var _ = f;
        Assert.Equal("branch", state.GetProperty("viewMode").GetString());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("treeNodes").ValueKind);
        state = await f.Client.CommandAsync("loom.toggleTreeView", new { uri = Uri });
        Assert.Equal("tree", state.GetProperty("viewMode").GetString());
        Assert.Equal(3, state.GetProperty("treeNodes").GetArrayLength());
        var show = state.GetProperty("showModelNames").GetBoolean();
        state = await f.Client.CommandAsync("loom.toggleModelNames", new { uri = Uri });
        Assert.NotEqual(show, state.GetProperty("showModelNames").GetBoolean());
        state = await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri, index = 0 });
        state = await f.Client.CommandAsync("loom.toggleHoist", new { uri = Uri });
        Assert.Equal(Id(state), state.GetProperty("hoistedNodeId").GetString());
        state = await f.Client.CommandAsync("loom.toggleHoist", new { uri = Uri });
        Assert.Equal(JsonValueKind.Null, state.GetProperty("hoistedNodeId").ValueKind);
        Assert.Equal(state.GetProperty("fullText").GetString(), f.Client.Text(Uri));
    }

    [Fact]
    public async Task Settings_commands_change_the_plan()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        var state = await f.Client.CommandAsync("loom.setModel", new { uri = Uri, model = "offline/markov-slow" });
        Assert.Equal("offline/markov-slow", state.GetProperty("model").GetString());
        state = await f.Client.CommandAsync("loom.setMaxTokens", new { uri = Uri, maxTokens = 17 });
        Assert.Equal(17, state.GetProperty("maxTokens").GetInt32());
        state = await f.Client.CommandAsync("loom.setBranches", new { uri = Uri, branches = 5 });
        Assert.Equal(5, state.GetProperty("nBranches").GetInt32());
        Assert.Equal(5, state.GetProperty("modelPlan")[0].GetProperty("branches").GetInt32());
        state = await f.Client.CommandAsync("loom.setContext", new { uri = Uri, context = "You are a storyteller." });
        Assert.Equal("You are a storyteller.", state.GetProperty("context").GetString());
        Assert.Equal(Prompt, f.Client.Text(Uri));
        state = await f.Client.CommandAsync("loom.setModelPlan", new
        {
            uri = Uri,
            plan = new object[]
            {
                new { model = "offline/markov", branches = 1, maxTokens = 4, temperature = 0.5, enabled = true },
                new { model = "offline/markov-slow", branches = 2, maxTokens = 8, temperature = 1.5, enabled = false },
            },
        });
        Assert.Equal(2, state.GetProperty("modelPlan").GetArrayLength());
        Assert.False(state.GetProperty("modelPlan")[1].GetProperty("enabled").GetBoolean());
        Assert.Equal(1.5, state.GetProperty("modelPlan")[1].GetProperty("temperature").GetDouble());
    }

    [Fact]
    public async Task Delete_node_removes_the_subtree()
    {
        var (f, state) = await WithChildrenAsync(2);
        await using var _ = f;
        var doomed = state.GetProperty("children")[0].GetProperty("id").GetString()!;
        state = await f.Client.CommandAsync("loom.deleteNode", new { uri = Uri, nodeId = doomed });
        Assert.Equal(1, state.GetProperty("children").GetArrayLength());
        Assert.Null(f.Store.TryGetNode(doomed));
        Assert.Equal(Prompt, f.Client.Text(Uri));
    }

    [Fact]
    public async Task Bad_command_arguments_are_refused_and_nothing_changes()
    {
        var (f, state) = await WithChildrenAsync(2);
        await using var _ = f;
        var before = f.Store.GetTreeNodes(state.GetProperty("treeId").GetString()!).Count;
        Assert.Contains("delta", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.selectSibling", new { uri = Uri, delta = 1_000_000_000 })));
        Assert.Contains("delta", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.selectSibling", new { uri = Uri })));
        Assert.Contains("delta", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.selectSibling", new { uri = Uri, delta = 99_999_999_999L })));
        Assert.Contains("maxTokens", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.setMaxTokens", new { uri = Uri, maxTokens = 10_000_000 })));
        Assert.Contains("maxTokens", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.setMaxTokens", new { uri = Uri, maxTokens = -3 })));
        Assert.Contains("branches", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.setBranches", new { uri = Uri, branches = 0 })));
        Assert.Contains("branches", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1000 })));
        Assert.Contains("maxTokens", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.generate", new { uri = Uri, maxTokens = -1 })));
        Assert.Contains("index", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.navigateChild", new { uri = Uri, index = -1 })));
        Assert.Contains("index", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.navigateChild", new { uri = Uri, index = 99 })));
        Assert.Contains("nodeId", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.navigateTo", new { uri = Uri, nodeId = "0123456789abcdef0123456789abcdef" })));
        Assert.Contains("nodeId", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.deleteNode", new { uri = Uri, nodeId = "nope" })));
        Assert.Contains("uri", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.navigateParent", new { uri = "file:///not/open.loom" })));
        Assert.Contains("uri", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.navigateParent", new { })));
        Assert.Contains("arguments[0]", await RpcAssert.ErrorAsync(-32602, () => f.Client.RequestAsync("workspace/executeCommand", new { command = "loom.navigateParent", arguments = new[] { 5 } })));
        var after = await f.StateAsync(Uri);
        Assert.Equal(Id(state), Id(after));
        Assert.Equal(state.GetProperty("selectedChildIdx").GetInt32(), after.GetProperty("selectedChildIdx").GetInt32());
        Assert.Equal(before, f.Store.GetTreeNodes(state.GetProperty("treeId").GetString()!).Count);
        Assert.Equal(Prompt, f.Client.Text(Uri));
    }

    [Fact]
    public async Task Attach_makes_any_document_a_loom_and_can_open_an_existing_tree()
    {
        await using var f = await ServerFixture.StartAsync();
        const string plain = "file:///tmp/notes.txt";
        await f.Client.OpenAsync(plain, "plain notes", languageId: "plaintext");
        await RpcAssert.ErrorAsync(-32803, () => f.StateAsync(plain));
        var state = await f.Client.CommandAsync("loom.attach", new { uri = plain });
        Assert.Equal("plain notes", state.GetProperty("fullText").GetString());

        var other = await f.OpenLoomAsync(Uri, Prompt);
        var gen = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 4 });
        var childId = gen.GetProperty("children")[0].GetProperty("id").GetString();
        state = await f.Client.CommandAsync("loom.attach", new { uri = plain, treeId = other.GetProperty("treeId").GetString(), nodeId = childId });
        Assert.Equal(childId, Id(state));
        Assert.Equal(Prompt + gen.GetProperty("children")[0].GetProperty("text").GetString(), f.Client.Text(plain));
        Assert.Contains("treeId", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.attach", new { uri = plain, treeId = "ffffffffffffffffffffffffffffffff" })));
    }

    [Fact]
    public async Task SetApiKey_answers_empty_and_never_logs_the_key()
    {
        await using var f = await ServerFixture.StartAsync();
        var result = await f.Client.CommandAsync("loom.setApiKey", new { provider = "openai", key = "sk-secret-123456" });
        Assert.Equal(JsonValueKind.Object, result.ValueKind);
        Assert.Empty(result.EnumerateObject());
        await f.Client.WaitForAsync("window/logMessage", m => m.GetProperty("message").GetString()!.Contains("openai"));
        Assert.DoesNotContain("sk-secret", f.Log.ToString());
        Assert.DoesNotContain(f.Client.Notifications("window/logMessage"), m => m.GetProperty("message").GetString()!.Contains("sk-secret"));
    }

    [Fact]
    public async Task Save_persists_and_returns_the_state()
    {
        var (f, state) = await WithChildrenAsync(1);
        await using var _ = f;
        await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri });
        state = await f.Client.CommandAsync("loom.save", new { uri = Uri });
        var binding = f.Store.GetBinding(Uri);
        Assert.Equal(Id(state), binding!.NodeId);
        Assert.Equal(Id(state), f.Store.GetTree(state.GetProperty("treeId").GetString()!).CurrentNodeId);
    }
}
