using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Tests;

public class SessionTests
{
    [Fact]
    public void State_has_the_path_text_children_and_settings()
    {
        using var t = new TempStore();
        var session = t.NewSession("Once", context: "Be terse.");
        var a = t.AddChild(session.TreeId, " upon");
        var b = t.AddChild(session.TreeId, " more");
        t.AddChild(a.Id, " a time");
        var state = session.Reload();
        Assert.Equal("Once", state.FullText);
        Assert.Equal([a.Id, b.Id], state.Children.Select(c => c.Id));
        Assert.Equal(1, state.DescendantCounts[a.Id]);
        Assert.Equal(0, state.DescendantCounts[b.Id]);
        Assert.Equal("Be terse.", state.Context);
        Assert.Equal("offline/markov", state.Model);
        Assert.Equal(ViewMode.Branch, state.ViewMode);
        Assert.Null(state.TreeNodes);
        Assert.Equal(state.RootId, state.TreeId);
    }

    [Fact]
    public void Navigation_moves_along_the_path_and_persists_it()
    {
        using var t = new TempStore();
        var session = t.NewSession("Once");
        var a = t.AddChild(session.TreeId, " upon");
        var b = t.AddChild(session.TreeId, " more");
        var a1 = t.AddChild(a.Id, " a time");
        session.Reload();
        var s = session.SelectSibling(+1);
        Assert.Equal(1, s.SelectedChildIdx);
        Assert.Equal(" more", s.ContinuationText);
        s = session.SelectSibling(+1);
        Assert.Equal(0, s.SelectedChildIdx); // wraps
        s = session.SelectSibling(-1);
        Assert.Equal(1, s.SelectedChildIdx); // wraps backwards
        s = session.SelectSibling(-1);
        Assert.Equal(" upon", s.ContinuationText); // a's own child is not checked out yet
        s = session.NavigateChild();
        Assert.Equal(a.Id, s.CurrentNodeId);
        Assert.Equal("Once upon", s.FullText);
        s = session.NavigateChild();
        Assert.Equal("Once upon a time", s.FullText);
        Assert.Equal([0, 4, 9], s.SegmentStarts.ToArray());
        Assert.Same(s, session.NavigateChild()); // no child: unchanged
        s = session.NavigateParent();
        Assert.Equal(a.Id, s.CurrentNodeId);
        Assert.Equal(" a time", s.ContinuationText);
        Assert.Equal(a.Id, t.Store.GetTree(session.TreeId).CurrentNodeId);

        // A reopened session (or basemode-loom) sees the same cursor and selections.
        t.Reopen();
        using var again = new LoomSession(t.Store, t.Store.GetTree(session.TreeId).CurrentNodeId!);
        Assert.Equal("Once upon", again.GetState().FullText);
        Assert.Equal(a1.Id, again.GetState().SelectedChild!.Id);
        var top = again.NavigateParent();
        Assert.Same(top, again.NavigateParent()); // at the root: unchanged
        Assert.Equal(a.Id, top.SelectedChild!.Id);
        Assert.NotEqual(b.Id, top.SelectedChild!.Id);
    }

    [Fact]
    public void Navigate_child_by_index_checks_that_child_out()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        t.AddChild(session.TreeId, "a");
        var b = t.AddChild(session.TreeId, "b");
        session.Reload();
        var s = session.NavigateChild(1);
        Assert.Equal(b.Id, s.CurrentNodeId);
        Assert.True(t.Store.GetNode(b.Id).CheckedOut);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.NavigateParent() is var p && p is not null ? session.NavigateChild(5) : null);
    }

    [Fact]
    public void Checkout_of_any_node_and_errors_for_unknown_or_foreign_nodes()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        var a = t.AddChild(session.TreeId, "a");
        var a1 = t.AddChild(a.Id, "1");
        var other = Trees.Create(t.Store, "other", TempStore.Plan);
        var s = session.Checkout(a1.Id);
        Assert.Equal("ra1", s.FullText);
        var before = session.GetState();
        var e = Assert.Throws<NodeNotFoundException>(() => session.Checkout("0123456789abcdef0123456789abcdef"));
        Assert.Contains("0123456789abcdef0123456789abcdef", e.Message);
        Assert.Throws<ArgumentException>(() => session.Checkout(other.Id));
        Assert.Same(before, session.GetState());
    }

    [Fact]
    public void Out_of_range_settings_throw_and_change_nothing()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        var before = session.GetState();
        Assert.Throws<ArgumentOutOfRangeException>(() => session.SetMaxTokens(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.SetMaxTokens(32_769));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.SetNBranches(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.SetNBranches(65));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.SetTemperature(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.SetTemperature(2.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.SetTemperature(double.NaN));
        Assert.Same(before, session.GetState());
        Assert.Equal(TempStore.Plan, t.Store.GetTree(session.TreeId).ModelPlan);
    }

    [Fact]
    public void Settings_edit_the_first_plan_entry_and_persist()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        session.SetModelPlan([ModelPlanEntry.Default("offline/markov"), new ModelPlanEntry("offline/markov-slow", 2, 10, 0.5)]);
        session.SetModel("openai/gpt-4o-mini");
        session.SetMaxTokens(400);
        session.SetNBranches(5);
        var s = session.SetTemperature(0.7);
        Assert.Equal(("openai/gpt-4o-mini", 400, 5, 0.7), (s.Model, s.MaxTokens, s.NBranches, s.Temperature));
        var plan = t.Store.GetTree(session.TreeId).ModelPlan;
        Assert.Equal(new ModelPlanEntry("openai/gpt-4o-mini", 5, 400, 0.7), plan[0]);
        Assert.Equal("offline/markov-slow", plan[1].Model);
    }

    [Fact]
    public void Bookmarks_toggle_and_cycle_in_tree_order()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        var a = t.AddChild(session.TreeId, "a");
        var b = t.AddChild(session.TreeId, "b");
        var a1 = t.AddChild(a.Id, "1");
        session.Reload();
        var none = session.GetState();
        Assert.Same(none, session.NextBookmark());
        Assert.True(session.ToggleBookmark(b.Id));
        Assert.True(session.ToggleBookmark(a1.Id));
        Assert.True(session.ToggleBookmark()); // the root
        Assert.False(session.ToggleBookmark());
        Assert.True(session.ToggleBookmark());
        Assert.Equal(a1.Id, session.NextBookmark().CurrentNodeId);
        Assert.True(session.GetState().Bookmarked);
        Assert.Equal(b.Id, session.NextBookmark().CurrentNodeId);
        Assert.Equal(session.TreeId, session.NextBookmark().CurrentNodeId); // cycles
        Assert.True(t.Store.GetNode(a1.Id).IsBookmarked);
    }

    [Fact]
    public void View_toggles()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        var a = t.AddChild(session.TreeId, "a");
        t.AddChild(a.Id, "1");
        t.AddChild(session.TreeId, "b");
        session.Reload();
        var s = session.ToggleTreeView();
        Assert.Equal(ViewMode.Tree, s.ViewMode);
        Assert.Equal(4, s.TreeNodes!.Value.Length);
        s = session.NavigateChild(0);
        s = session.ToggleHoist();
        Assert.Equal(a.Id, s.HoistedNodeId);
        Assert.Equal(2, s.TreeNodes!.Value.Length);
        Assert.Same(s, session.NavigateParent()); // cannot leave the hoisted subtree
        s = session.ToggleHoist();
        Assert.Null(s.HoistedNodeId);
        s = session.ToggleTreeView();
        Assert.Null(s.TreeNodes);
        Assert.True(s.ShowModelNames);
        Assert.False(session.ToggleModelNames().ShowModelNames);
        Assert.False(t.Store.GetTree(session.TreeId).ShowModelNames);
    }

    [Fact]
    public void Delete_subtree_moves_off_the_path_first_and_never_deletes_the_root()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        var a = t.AddChild(session.TreeId, "a");
        var a1 = t.AddChild(a.Id, "1");
        var b = t.AddChild(session.TreeId, "b");
        session.Checkout(a1.Id);
        var s = session.DeleteSubtree(a.Id);
        Assert.Equal(session.TreeId, s.CurrentNodeId);
        Assert.Equal("r", s.FullText);
        Assert.Null(t.Store.TryGetNode(a1.Id));
        Assert.Equal([b.Id], s.Children.Select(c => c.Id));
        Assert.Throws<InvalidOperationException>(() => session.DeleteSubtree(session.TreeId));
        Assert.NotNull(t.Store.TryGetNode(session.TreeId));
    }

    [Fact]
    public void Context_can_be_set_changed_and_removed()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        Assert.Equal("", session.GetState().Context);
        Assert.Equal("You continue stories.", session.SetContext("You continue stories.").Context);
        Assert.Equal("Shorter.", session.SetContext("Shorter.").Context);
        Assert.Equal("r", session.GetState().FullText); // context is never part of the text
        Assert.Equal("", session.SetContext("").Context);
        Assert.Null(t.Store.GetContextNode(session.TreeId));
    }

    [Fact]
    public void Save_persists_cursor_and_selection()
    {
        using var t = new TempStore();
        var session = t.NewSession("r");
        var a = t.AddChild(session.TreeId, "a");
        session.Reload();
        session.NavigateChild();
        session.Save();
        Assert.Equal(a.Id, t.Store.GetTree(session.TreeId).CurrentNodeId);
        Assert.True(t.Store.GetNode(a.Id).CheckedOut);
    }
}
