using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

/// <summary>The core editor loop: open, generate (offline), navigate, and the text the client holds after each applyEdit.</summary>
public sealed class LoomFlowTests
{
    private const string Uri = "file:///tmp/story.loom";

    [Fact]
    public async Task Open_unbound_file_creates_a_tree_whose_root_is_the_buffer()
    {
        await using var f = await ServerFixture.StartAsync();
        var state = await f.OpenLoomAsync(Uri, "Once upon a time");
        Assert.Equal("Once upon a time", state.GetProperty("fullText").GetString());
        Assert.Equal(state.GetProperty("rootId").GetString(), state.GetProperty("currentNodeId").GetString());
        var binding = f.Store.GetBinding(Uri);
        Assert.NotNull(binding);
        Assert.Equal(state.GetProperty("treeId").GetString(), binding!.TreeId);
    }

    [Fact]
    public async Task Generate_streams_and_completes_then_navigation_edits_the_client_buffer()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, "The river ran past the old mill, and the miller said");
        var state = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 2, maxTokens = 8 });
        Assert.Equal(2, state.GetProperty("children").GetArrayLength());
        var complete = await f.Client.WaitForAsync("loom/generation", e => e.GetProperty("event").GetString() == "complete");
        Assert.Equal(2, complete.GetProperty("newNodeIds").GetArrayLength());
        Assert.Contains(f.Client.Notifications("loom/generation"), e => e.GetProperty("event").GetString() == "token");
        Assert.Single(f.Client.Notifications("loom/generation"), e => e.GetProperty("event").GetString() is "complete" or "error" or "cancelled");

        var child = state.GetProperty("children")[0];
        state = await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri, index = 0 });
        var expected = "The river ran past the old mill, and the miller said" + child.GetProperty("text").GetString();
        Assert.Equal(expected, state.GetProperty("fullText").GetString());
        Assert.Equal(expected, f.Client.Text(Uri));
        // Only the tail changed: the edit starts at the end of the old text.
        Assert.Single(f.Client.LastEdits);
        Assert.Equal(child.GetProperty("text").GetString(), f.Client.LastEdits[0].NewText);

        state = await f.Client.CommandAsync("loom.navigateParent", new { uri = Uri });
        Assert.Equal("The river ran past the old mill, and the miller said", f.Client.Text(Uri));
        Assert.Equal(f.Client.Text(Uri), state.GetProperty("fullText").GetString());
        var s2 = await f.StateAsync(Uri);
        Assert.Equal(f.Client.Text(Uri), s2.GetProperty("fullText").GetString());
    }
}
