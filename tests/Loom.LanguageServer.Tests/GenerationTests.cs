using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

/// <summary>Streaming, progress, cancellation, and the queues: generation never blocks navigation or other documents.</summary>
public sealed class GenerationTests
{
    private const string Uri = "file:///tmp/gen.loom";
    private const string Prompt = "The lighthouse keeper wrote in her log:";

    private static string Event(JsonElement e) => e.GetProperty("event").GetString()!;

    [Fact]
    public async Task Tokens_stream_per_branch_and_add_up_to_the_completions()
    {
        var generators = new TestGenerators();
        await using var f = await ServerFixture.StartAsync(generators: generators.Factory);
        await f.OpenLoomAsync(Uri, Prompt);
        var state = await f.Client.CommandAsync("loom.generate", new { uri = Uri, model = TestGenerators.Scripted, branches = 2 });
        var complete = await f.Client.WaitForAsync("loom/generation", e => Event(e) == "complete");
        var generationId = complete.GetProperty("generationId").GetString();
        var tokens = f.Client.Notifications("loom/generation").Where(e => Event(e) == "token").ToList();
        Assert.All(tokens, t => Assert.Equal(generationId, t.GetProperty("generationId").GetString()));
        foreach (var branch in new[] { 0, 1 })
        {
            var text = string.Concat(tokens.Where(t => t.GetProperty("branchIdx").GetInt32() == branch).Select(t => t.GetProperty("token").GetString()));
            Assert.Equal(string.Concat(TestGenerators.ScriptedTokens), text);
        }
        Assert.Equal(2, complete.GetProperty("completions").GetArrayLength());
        Assert.Equal(2, state.GetProperty("children").GetArrayLength());
        Assert.False(state.GetProperty("generating").GetBoolean());
    }

    [Fact]
    public async Task Progress_begins_and_ends_with_a_created_token()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 1, maxTokens = 4 });
        var created = await f.Client.WaitForAsync("window/workDoneProgress/create");
        var token = created.GetProperty("token").GetString();
        var begin = await f.Client.WaitForAsync("$/progress", p => p.GetProperty("value").GetProperty("kind").GetString() == "begin");
        Assert.Equal(token, begin.GetProperty("token").GetString());
        Assert.True(begin.GetProperty("value").GetProperty("cancellable").GetBoolean());
        await f.Client.WaitForAsync("$/progress", p => p.GetProperty("value").GetProperty("kind").GetString() == "end" && p.GetProperty("token").GetString() == token);
    }

    [Fact]
    public async Task Cancel_ends_with_cancelled_and_navigation_works_during_a_generation()
    {
        var generators = new TestGenerators();
        await using var f = await ServerFixture.StartAsync(generators: generators.Factory);
        await f.OpenLoomAsync(Uri, Prompt);
        var first = await f.Client.CommandAsync("loom.generate", new { uri = Uri, model = "offline/markov", branches = 1, maxTokens = 4 });
        var child = first.GetProperty("children")[0];
        var running = f.Client.CommandAsync("loom.generate", new { uri = Uri, model = TestGenerators.Gated, branches = 1 });
        await generators.FirstTokenSent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        // Navigation while generating is allowed and answered at once.
        var nav = await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri, index = 0 });
        Assert.Equal(child.GetProperty("id").GetString(), nav.GetProperty("currentNodeId").GetString());
        Assert.True(nav.GetProperty("generating").GetBoolean());
        Assert.Equal(nav.GetProperty("fullText").GetString(), f.Client.Text(Uri));
        await f.Client.CommandAsync("loom.cancel", new { uri = Uri });
        var final = await running;
        var ended = f.Client.Notifications("loom/generation").Where(e => Event(e) is "complete" or "error" or "cancelled").ToList();
        Assert.Equal(2, ended.Count);
        Assert.Equal("cancelled", Event(ended[1]));
        Assert.False(final.GetProperty("generating").GetBoolean());
        // The kept partial branch attached to the node the generation started from (the root), not the current node.
        var root = f.Store.GetChildren(final.GetProperty("rootId").GetString()!);
        Assert.Contains(root, n => n.Text == " first");
    }

    [Fact]
    public async Task WorkDoneProgress_cancel_cancels_the_generation()
    {
        var generators = new TestGenerators();
        await using var f = await ServerFixture.StartAsync(generators: generators.Factory);
        await f.OpenLoomAsync(Uri, Prompt);
        var running = f.Client.CommandAsync("loom.generate", new { uri = Uri, model = TestGenerators.Gated, branches = 1 });
        await generators.FirstTokenSent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var begin = await f.Client.WaitForAsync("$/progress", p => p.GetProperty("value").GetProperty("kind").GetString() == "begin");
        await f.Client.NotifyAsync("window/workDoneProgress/cancel", new { token = begin.GetProperty("token").GetString() });
        await running;
        await f.Client.WaitForAsync("loom/generation", e => Event(e) == "cancelled");
    }

    [Fact]
    public async Task Cancelling_the_request_cancels_the_generation()
    {
        var generators = new TestGenerators();
        await using var f = await ServerFixture.StartAsync(generators: generators.Factory);
        await f.OpenLoomAsync(Uri, Prompt);
        using var cts = new CancellationTokenSource();
        var running = f.Client.CommandAsync("loom.generate", new { uri = Uri, model = TestGenerators.Gated, branches = 1 }, cts.Token);
        await generators.FirstTokenSent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        cts.Cancel();
        try
        {
            // LSP lets a cancelled request answer with what it has: the state after the cancelled generation.
            await running;
        }
        catch (OperationCanceledException)
        {
        }
        await f.Client.WaitForAsync("loom/generation", e => Event(e) == "cancelled");
    }

    [Fact]
    public async Task A_generation_on_one_document_never_blocks_another()
    {
        var generators = new TestGenerators();
        await using var f = await ServerFixture.StartAsync(generators: generators.Factory);
        const string other = "file:///tmp/other.loom";
        await f.OpenLoomAsync(Uri, Prompt);
        var running = f.Client.CommandAsync("loom.generate", new { uri = Uri, model = TestGenerators.Gated, branches = 1 });
        await generators.FirstTokenSent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var state = await f.OpenLoomAsync(other, "Another story");
        await f.Client.TypeAtEndAsync(other, " goes on");
        state = await f.StateAsync(other);
        Assert.Equal("Another story goes on", state.GetProperty("fullText").GetString());
        var gen = await f.Client.CommandAsync("loom.generate", new { uri = other, model = "offline/markov", branches = 1, maxTokens = 3 });
        Assert.Equal(1, gen.GetProperty("children").GetArrayLength());
        Assert.False(running.IsCompleted);
        generators.Release();
        var done = await running;
        Assert.Equal(1, done.GetProperty("children").GetArrayLength());
        await f.Client.WaitForAsync("loom/generation", e => Event(e) == "complete" && e.GetProperty("uri").GetString() == Uri);
    }

    [Fact]
    public async Task A_second_generate_while_one_runs_is_refused()
    {
        var generators = new TestGenerators();
        await using var f = await ServerFixture.StartAsync(generators: generators.Factory);
        await f.OpenLoomAsync(Uri, Prompt);
        var running = f.Client.CommandAsync("loom.generate", new { uri = Uri, model = TestGenerators.Gated, branches = 1 });
        await generators.FirstTokenSent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await RpcAssert.ErrorAsync(-32803, () => f.Client.CommandAsync("loom.generate", new { uri = Uri }));
        generators.Release();
        await running;
    }

    [Fact]
    public async Task An_unknown_model_ends_with_a_config_error()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        var state = await f.Client.CommandAsync("loom.generate", new { uri = Uri, model = "nowhere/nothing", branches = 1 });
        var error = await f.Client.WaitForAsync("loom/generation", e => Event(e) == "error");
        Assert.Equal("config", error.GetProperty("category").GetString());
        Assert.Equal(0, state.GetProperty("children").GetArrayLength());
    }

    [Fact]
    public async Task State_changed_is_sent_after_a_command()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, Prompt);
        var state = await f.Client.CommandAsync("loom.setMaxTokens", new { uri = Uri, maxTokens = 33 });
        await f.Client.WaitForAsync("loom/stateChanged", n => n.GetProperty("uri").GetString() == Uri &&
            n.GetProperty("state").GetProperty("maxTokens").GetInt32() == 33);
    }
}

public sealed class PeerDocumentTests
{
    [Fact]
    public async Task A_second_document_on_the_same_tree_hears_about_new_children()
    {
        await using var f = await ServerFixture.StartAsync();
        const string a = "file:///tmp/peer-a.loom";
        const string b = "file:///tmp/peer-b.txt";
        var state = await f.OpenLoomAsync(a, "Shared tree");
        await f.Client.OpenAsync(b, "", languageId: "plaintext");
        await f.Client.CommandAsync("loom.attach", new { uri = b, treeId = state.GetProperty("treeId").GetString() });
        Assert.Equal("Shared tree", f.Client.Text(b));
        await f.Client.CommandAsync("loom.generate", new { uri = a, branches = 2, maxTokens = 4 });
        await f.Client.WaitForAsync("loom/stateChanged", n => n.GetProperty("uri").GetString() == b &&
            n.GetProperty("state").GetProperty("children").GetArrayLength() == 2);
        var peer = await f.StateAsync(b);
        Assert.Equal(2, peer.GetProperty("children").GetArrayLength());
        Assert.Equal("Shared tree", f.Client.Text(b));
    }
}

public sealed class ExternalChangeTests
{
    [Fact]
    public async Task A_commit_by_another_process_reaches_the_client_as_stateChanged()
    {
        await using var f = await ServerFixture.StartAsync();
        const string uri = "file:///tmp/external.loom";
        var state = await f.OpenLoomAsync(uri, "Shared file");
        // Another process: its own connection to the same database file adds a child to the root.
        using (var other = Loom.Core.Store.SqliteLoomStore.Open(f.DatabasePath))
        {
            var root = other.GetNode(state.GetProperty("rootId").GetString()!);
            other.Write(w =>
            {
                w.InsertNode(root with
                {
                    Id = Loom.Core.Tree.Ids.NewId(), ParentId = root.Id, Kind = Loom.Core.Tree.NodeKind.Text, Text = " from elsewhere",
                    CheckedOut = false, CreatedAt = Loom.Core.Tree.Ids.Timestamp(DateTimeOffset.UtcNow.AddSeconds(1)),
                });
                return 0;
            });
        }
        await f.Client.WaitForAsync("loom/stateChanged", n => n.GetProperty("uri").GetString() == uri &&
            n.GetProperty("state").GetProperty("children").GetArrayLength() == 1);
        Assert.Equal("Shared file", f.Client.Text(uri));
    }
}
