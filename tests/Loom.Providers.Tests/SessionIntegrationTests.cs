using System.Text;
using Loom.Core.Generation;
using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;
using Loom.Testing.Fakes;
using static Loom.Providers.Tests.TestSupport;

namespace Loom.Providers.Tests;

/// <summary>The providers under the core's generate: nodes, models, usage, failures, and what reaches the database.</summary>
public sealed class SessionIntegrationTests : IAsyncLifetime
{
    private readonly FakeOpenAiServer _server = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loom-provider-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<List<GenerationEvent>> GenerateAsync(LoomSession session)
    {
        var events = new List<GenerationEvent>();
        await foreach (var e in session.GenerateAsync())
        {
            events.Add(e);
        }

        return events;
    }

    [Fact]
    public async Task Eight_branches_of_two_models_become_nodes_each_with_its_own_models_text()
    {
        _server.Behavior.Tokens = 30;
        _server.Behavior.TokenDelay = TimeSpan.FromMilliseconds(1);
        _server.Behavior.TokenText = (r, i) => $" {r.Model}-{i}";
        using var store = SqliteLoomStore.Open(Path.Combine(_dir, "a.sqlite"));
        var root = Trees.Create(store, "Once there was ", [new ModelPlanEntry("fake/model-a", 8, 30, 1.0), new ModelPlanEntry("fakechat/model-b", 8, 30, 1.0)]);
        using var session = new LoomSession(store, root.Id, Registry(_server));

        var events = await GenerateAsync(session);

        var complete = Assert.IsType<GenerationComplete>(events[^1]);
        Assert.Empty(complete.Failures);
        Assert.Equal(16, complete.NewNodes.Count);
        Assert.Equal(16, _server.Requests.Count);
        Assert.All(_server.Requests, r => Assert.Null(r.Json!["n"]));
        foreach (var node in store.GetChildren(root.Id))
        {
            string bare = node.Model![(node.Model!.IndexOf('/') + 1)..];
            Assert.Equal(string.Concat(Enumerable.Range(0, 30).Select(i => $" {bare}-{i}")), node.Text);
            Assert.NotNull(node.Metadata.Get(NodeMetadata.Usage));
        }

        // Token events may be batched (adjacent tokens of one branch merged), never mixed across branches.
        var tokens = events.OfType<TokenReceived>().ToList();
        var texts = store.GetChildren(root.Id).Select(n => n.Text).ToList();
        Assert.All(tokens.GroupBy(t => t.BranchIdx), g => Assert.Contains(string.Concat(g.Select(t => t.Token)), texts));
        Assert.Equal(16, tokens.Select(t => t.BranchIdx).Distinct().Count());
        Assert.All(tokens, t => Assert.Contains(t.Model[(t.Model.IndexOf('/') + 1)..], t.Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_provider_leaves_no_key_in_the_database_and_keeps_partial_text()
    {
        _server.BehaviorFor = r => r.Model == "model-a"
            ? new FakeBehavior { Status = 401, EchoKeyInError = true }
            : new FakeBehavior { Tokens = 6, ResetAfter = 3 };
        string path = Path.Combine(_dir, "b.sqlite");
        var log = new List<string>();
        string rootId;
        List<GenerationEvent> events;
        using (var store = SqliteLoomStore.Open(path))
        {
            var root = Trees.Create(store, "Keys stay out ", [new ModelPlanEntry("fake/model-a", 2, 8, 1.0), new ModelPlanEntry("fakechat/model-b", 2, 8, 1.0)]);
            rootId = root.Id;
            using var session = new LoomSession(store, root.Id, Registry(_server, log: log));
            events = await GenerateAsync(session);
            var complete = Assert.IsType<GenerationComplete>(events[^1]);
            Assert.Equal(4, complete.Failures.Count);
            Assert.Equal(2, complete.Failures.Count(f => f.Category == ErrorCategory.Auth));
            Assert.Equal(2, complete.Failures.Count(f => f.Category == ErrorCategory.Network && f.NodeId is not null));
            var kept = store.GetChildren(rootId);
            Assert.Equal(2, kept.Count);
            Assert.All(kept, n => Assert.Equal(Tokens(3), n.Text));
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var everything = new StringBuilder();
        foreach (var file in Directory.GetFiles(_dir, "b.sqlite*"))
        {
            everything.Append(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));
        }

        foreach (var e in events)
        {
            everything.Append(e.ToString());
            if (e is GenerationComplete c)
            {
                everything.AppendJoin('\n', c.Failures.Select(f => f.Message));
            }
        }

        everything.AppendJoin('\n', log);
        Assert.Contains("fake/model-a", everything.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Key[..12], everything.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Key[^12..], everything.ToString(), StringComparison.Ordinal);
    }
}
