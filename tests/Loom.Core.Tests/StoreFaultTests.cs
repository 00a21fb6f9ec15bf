using Loom.Core.Session;

namespace Loom.Core.Tests;

public class StoreFaultTests
{
    [Fact]
    public void While_the_disk_is_full_typing_goes_on_in_memory_and_is_written_when_space_returns()
    {
        using var t = new TempStore();
        var session = t.NewSession("Once");
        var upon = t.AddChild(session.TreeId, " upon");
        session.Checkout(upon.Id);
        t.Store.SetMaxPageCount(t.Store.PageCount); // the file may not grow any more: SQLITE_FULL
        var filler = new string('x', 20_000);       // a paste larger than any free page
        session.ApplyChange(session.GetState().FullText.Length, 0, " a time " + filler);
        foreach (var ch in " ends")
        {
            session.ApplyChange(session.GetState().FullText.Length, 0, ch.ToString());
        }
        var expected = "Once upon a time " + filler + " ends";
        Assert.Equal(expected, session.GetState().FullText);
        Assert.Contains("disk is full", session.StoreFault);
        Assert.True(session.PendingWriteCount > 0);
        Assert.Empty(t.Store.GetChildren(upon.Id)); // not on disk yet

        Assert.False(session.FlushPendingWrites()); // still full
        t.Store.SetMaxPageCount(1_000_000);
        Assert.True(session.FlushPendingWrites());
        Assert.Null(session.StoreFault);
        Assert.Equal(0, session.PendingWriteCount);
        var draft = Assert.Single(t.Store.GetChildren(upon.Id));
        Assert.Equal(" a time " + filler + " ends", draft.Text);
        Assert.Equal(draft.Id, t.Store.GetTree(session.TreeId).CurrentNodeId);
        t.Reopen();
        using var again = new LoomSession(t.Store, t.Store.GetTree(session.TreeId).CurrentNodeId!);
        Assert.Equal(expected, again.GetState().FullText);
    }

    [Fact]
    public async Task Branches_finished_while_the_disk_is_full_are_written_when_space_returns()
    {
        using var t = new TempStore();
        var session = t.NewSession(new string('y', 5_000));
        t.Store.SetMaxPageCount(t.Store.PageCount);
        var events = new List<Loom.Core.Generation.GenerationEvent>();
        await foreach (var e in session.GenerateAsync(new GenerationOverrides(Branches: 2, MaxTokens: 400)))
        {
            events.Add(e);
        }
        var complete = Assert.IsType<Loom.Core.Generation.GenerationComplete>(events[^1]);
        Assert.Equal(2, complete.NewNodes.Count);
        Assert.NotNull(session.StoreFault);
        t.Store.SetMaxPageCount(1_000_000);
        Assert.True(session.FlushPendingWrites());
        Assert.Equal(complete.NewNodes.Select(n => n.Id).Order(), t.Store.GetChildren(session.TreeId).Select(n => n.Id).Order());
    }
}
