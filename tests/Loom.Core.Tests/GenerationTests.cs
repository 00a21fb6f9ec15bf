using Loom.Core.Generation;
using Loom.Core.Session;
using Loom.Core.Tree;

namespace Loom.Core.Tests;

public class GenerationTests
{
    private static async Task<List<GenerationEvent>> Collect(IAsyncEnumerable<GenerationEvent> events)
    {
        var list = new List<GenerationEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }
        return list;
    }

    [Fact]
    public async Task Offline_markov_generates_distinct_branches_saved_as_children()
    {
        using var t = new TempStore();
        var session = t.NewSession("The keeper counted the gulls and the gulls counted the keeper.");
        session.SetNBranches(3);
        session.SetMaxTokens(12);
        var events = await Collect(session.GenerateAsync());
        var complete = Assert.IsType<GenerationComplete>(events[^1]);
        Assert.Equal(3, complete.NewNodes.Count);
        Assert.Equal(1, events.Count(e => e is GenerationComplete or GenerationError or GenerationCancelled));
        Assert.All(complete.NewNodes, n => Assert.Equal("offline/markov", n.Model));
        Assert.True(complete.Completions.Distinct().Count() > 1, "branches are seeded differently");
        foreach (var branch in Enumerable.Range(0, 3))
        {
            var streamed = string.Concat(events.OfType<TokenReceived>().Where(e => e.BranchIdx == branch).Select(e => e.Token));
            Assert.Contains(streamed, complete.Completions);
        }
        var state = session.GetState();
        Assert.Equal(3, state.Children.Length);
        Assert.False(state.Generating);
        // The selected child and the checked-out child are the same node.
        Assert.Equal(state.Children.Single(c => c.CheckedOut).Id, state.SelectedChild!.Id);
        Assert.Equal(complete.NewNodes[0].Id, state.SelectedChild!.Id);
        var stored = t.Store.GetNode(complete.NewNodes[0].Id);
        Assert.True(stored.Metadata.Has(NodeMetadata.Usage));
        Assert.Equal("model", stored.Author);
    }

    [Fact]
    public async Task Prompt_is_the_exact_path_text_and_context_travels_separately()
    {
        using var t = new TempStore();
        var gen = new ScriptedGenerator(_ => new([" x"]));
        var root = Trees.Create(t.Store, "Line one \n  trailing  ", TempStore.Plan, context: "sys");
        var session = new LoomSession(t.Store, root.Id, gen);
        session.SetNBranches(1);
        await Collect(session.GenerateAsync());
        Assert.Equal("Line one \n  trailing  ", gen.Requests.Single().Prompt);
        Assert.Equal("sys", gen.Requests.Single().Context);
    }

    [Fact]
    public async Task Multi_model_plan_numbers_branches_across_the_plan_and_records_models()
    {
        using var t = new TempStore();
        var gen = new ScriptedGenerator(r => new([$"[{r.Model}#{r.BranchIndex}]"]));
        var root = Trees.Create(t.Store, "p", TempStore.Plan);
        var session = new LoomSession(t.Store, root.Id, gen);
        session.SetModelPlan([new ModelPlanEntry("a/one", 2, 8, 1), new ModelPlanEntry("b/two", 3, 8, 1), new ModelPlanEntry("c/off", 4, 8, 1, Enabled: false)]);
        var events = await Collect(session.GenerateAsync());
        var complete = Assert.IsType<GenerationComplete>(events[^1]);
        Assert.Equal(5, complete.NewNodes.Count);
        Assert.Equal([0, 1, 2, 3, 4], gen.Requests.Select(r => r.BranchIndex).Order());
        Assert.All(complete.NewNodes, n => Assert.StartsWith("[" + n.Model + "#", n.Text));
    }

    [Fact]
    public async Task Some_branches_fail_the_finished_ones_are_kept_and_failures_named()
    {
        using var t = new TempStore();
        var gen = new ScriptedGenerator(r => r.BranchIndex switch
        {
            0 => new([" fine"]),
            1 => new([], new GenerationException(ErrorCategory.RateLimit, "rate limited")),
            2 => new([" half"], new GenerationException(ErrorCategory.Network, "connection reset")),
            _ => new([]),
        });
        var root = Trees.Create(t.Store, "p", TempStore.Plan);
        var session = new LoomSession(t.Store, root.Id, gen);
        session.SetNBranches(4);
        var events = await Collect(session.GenerateAsync());
        var complete = Assert.IsType<GenerationComplete>(events[^1]);
        Assert.Equal(2, complete.NewNodes.Count);
        Assert.Equal([" fine"], complete.Completions);
        Assert.Equal(3, complete.Failures.Count);
        Assert.Equal(ErrorCategory.RateLimit, complete.Failures.Single(f => f.BranchIdx == 1).Category);
        var reset = complete.Failures.Single(f => f.BranchIdx == 2);
        Assert.Equal(ErrorCategory.Network, reset.Category);
        Assert.NotNull(reset.NodeId);
        Assert.True(t.Store.GetNode(reset.NodeId!).Metadata.GetBool(NodeMetadata.Incomplete));
        Assert.Equal(" half", t.Store.GetNode(reset.NodeId!).Text);
        var empty = complete.Failures.Single(f => f.BranchIdx == 3);
        Assert.Equal(ErrorCategory.BadResponse, empty.Category);
        Assert.Contains("no text", empty.Message);
    }

    [Fact]
    public async Task All_branches_fail_gives_an_error_and_the_tree_is_unchanged()
    {
        using var t = new TempStore();
        var gen = new ScriptedGenerator(_ => new([], new GenerationException(ErrorCategory.Auth, "401 from provider")));
        var root = Trees.Create(t.Store, "p", TempStore.Plan);
        var session = new LoomSession(t.Store, root.Id, gen);
        var before = t.Store.GetTreeNodes(root.Id);
        var events = await Collect(session.GenerateAsync());
        var error = Assert.IsType<GenerationError>(Assert.Single(events));
        Assert.Equal(ErrorCategory.Auth, error.Category);
        Assert.Equal(3, error.Failures.Count);
        Assert.Equal(before, t.Store.GetTreeNodes(root.Id));
    }

    [Fact]
    public async Task Unknown_provider_is_a_config_error()
    {
        using var t = new TempStore();
        var session = new LoomSession(t.Store, Trees.Create(t.Store, "p", TempStore.Plan).Id, new ScriptedGenerator(_ => new(["x"])));
        var events = await Collect(session.GenerateAsync(new GenerationOverrides(Model: "unknown/model")));
        Assert.Equal(ErrorCategory.Config, Assert.IsType<GenerationError>(Assert.Single(events)).Category);
    }

    [Fact]
    public async Task Cancel_stops_every_branch_and_keeps_partial_text_marked_cancelled()
    {
        using var t = new TempStore();
        var gen = new ScriptedGenerator(r => new(r.BranchIndex == 0 ? [" partial", " text"] : [], WaitForGate: true));
        var root = Trees.Create(t.Store, "p", TempStore.Plan);
        var session = new LoomSession(t.Store, root.Id, gen);
        session.SetNBranches(3);
        var events = new List<GenerationEvent>();
        var streamed = "";
        await foreach (var e in session.GenerateAsync())
        {
            events.Add(e);
            streamed += (e as TokenReceived)?.Token;
            if (e is TokenReceived && streamed == " partial text")
            {
                Assert.True(session.IsGenerating);
                Assert.True(session.GetState().Generating);
                session.Cancel();
            }
        }
        var cancelled = Assert.IsType<GenerationCancelled>(events[^1]);
        var kept = Assert.Single(cancelled.KeptNodes);
        Assert.Equal(" partial text", kept.Text);
        Assert.True(t.Store.GetNode(kept.Id).Metadata.GetBool(NodeMetadata.Cancelled));
        Assert.False(session.IsGenerating);
        Assert.Single(session.GetState().Children);
    }

    [Fact]
    public async Task Navigation_during_generation_is_allowed_and_new_children_attach_to_the_start_node()
    {
        using var t = new TempStore();
        var gen = new ScriptedGenerator(_ => new([" new"], WaitForGate: true));
        var root = Trees.Create(t.Store, "p", TempStore.Plan);
        var other = t.AddChild(root.Id, " old");
        var session = new LoomSession(t.Store, root.Id, gen);
        session.SetNBranches(2);
        var run = Collect(session.GenerateAsync());
        await WaitUntil(() => Volatile.Read(ref gen.Waiting) == 2);
        session.NavigateChild(0);
        Assert.Equal(other.Id, session.GetState().CurrentNodeId);
        gen.Gate.Writer.TryWrite(true);
        gen.Gate.Writer.TryWrite(true);
        var events = await run;
        var complete = Assert.IsType<GenerationComplete>(events[^1]);
        Assert.All(complete.NewNodes, n => Assert.Equal(root.Id, n.ParentId));
        Assert.Equal(other.Id, session.GetState().CurrentNodeId);
        Assert.Equal(3, t.Store.GetChildren(root.Id).Count);
    }

    [Fact]
    public async Task A_second_generation_while_one_runs_is_refused()
    {
        using var t = new TempStore();
        var gen = new ScriptedGenerator(_ => new([" x"], WaitForGate: true));
        var session = new LoomSession(t.Store, Trees.Create(t.Store, "p", TempStore.Plan).Id, gen);
        session.SetNBranches(1);
        var run = Collect(session.GenerateAsync());
        await WaitUntil(() => Volatile.Read(ref gen.Waiting) == 1);
        await Assert.ThrowsAsync<InvalidOperationException>(() => Collect(session.GenerateAsync()));
        gen.Gate.Writer.TryWrite(true);
        Assert.IsType<GenerationComplete>((await run)[^1]);
    }

    [Fact]
    public async Task Generating_from_a_draft_ends_its_draft_state()
    {
        using var t = new TempStore();
        var session = t.NewSession("Once");
        session.Checkout(t.AddChild(session.TreeId, " upon").Id);
        session.ApplyChange(9, 0, " a time");
        var draft = session.GetState().CurrentNode;
        Assert.True(draft.IsDraft);
        await Collect(session.GenerateAsync(new GenerationOverrides(Branches: 1, MaxTokens: 3)));
        Assert.False(t.Store.GetNode(draft.Id).IsDraft);
        // Editing it now forks instead of rewriting the prompt of generated text.
        session.Checkout(draft.Id);
        var r = session.ApplyChange(10, 1, "A");
        Assert.Equal(Loom.Core.Editing.EditKind.Forked, r.Kind);
        Assert.Equal(" a time", t.Store.GetNode(draft.Id).Text);
    }

    [Fact]
    public async Task Out_of_range_overrides_throw_before_anything_starts()
    {
        using var t = new TempStore();
        var session = t.NewSession("p");
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Collect(session.GenerateAsync(new GenerationOverrides(Branches: 65))));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Collect(session.GenerateAsync(new GenerationOverrides(MaxTokens: 0))));
        Assert.False(session.IsGenerating);
        Assert.Empty(session.GetState().Children);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
