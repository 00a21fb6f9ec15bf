using Loom.Core.Editing;
using Loom.Core.Session;
using Loom.Core.Tree;

namespace Loom.Core.Tests;

public class EditTests
{
    /// <summary>A tree "Once" -> " upon" -> " a time" (model nodes), checked out to the leaf.</summary>
    private static (TempStore Store, LoomSession Session, Node Upon, Node Time) ThreeSegments(string? context = null)
    {
        var t = new TempStore();
        var session = t.NewSession("Once", context);
        var upon = t.AddChild(session.TreeId, " upon");
        var time = t.AddChild(upon.Id, " a time");
        session.Checkout(time.Id);
        return (t, session, upon, time);
    }

    private static int NodeCount(TempStore t, string treeId) => t.Store.GetTreeNodes(treeId).Count;

    [Fact]
    public void Typing_at_the_end_creates_one_draft_child_then_extends_it_in_place()
    {
        var (t, session, _, time) = ThreeSegments();
        using var _t = t;
        var before = NodeCount(t, session.TreeId);
        var r1 = session.ApplyChange(session.GetState().FullText.Length, 0, " there");
        Assert.Equal(EditKind.DraftCreated, r1.Kind);
        var draft = r1.ChangedNode!;
        Assert.Equal(time.Id, draft.ParentId);
        Assert.Equal("human", draft.Author);
        foreach (var ch in " was a keeper")
        {
            var r = session.ApplyChange(session.GetState().FullText.Length, 0, ch.ToString());
            Assert.Equal(EditKind.DraftUpdated, r.Kind);
        }
        Assert.Equal(before + 1, NodeCount(t, session.TreeId));
        Assert.Equal("Once upon a time there was a keeper", session.GetState().FullText);
        Assert.Equal(" there was a keeper", t.Store.GetNode(draft.Id).Text); // written at once, not at save
    }

    [Fact]
    public void Typing_abc_and_undoing_it_three_times_leaves_the_tree_exactly_as_it_was()
    {
        var (t, session, _, time) = ThreeSegments();
        using var _t = t;
        var nodesBefore = t.Store.GetTreeNodes(session.TreeId);
        foreach (var ch in "abc")
        {
            session.ApplyChange(session.GetState().FullText.Length, 0, ch.ToString());
        }
        for (var i = 0; i < 3; i++)
        {
            var len = session.GetState().FullText.Length;
            session.ApplyChange(len - 1, 1, "");
        }
        Assert.Equal("Once upon a time", session.GetState().FullText);
        Assert.Equal(time.Id, session.GetState().CurrentNodeId);
        Assert.Equal(nodesBefore, t.Store.GetTreeNodes(session.TreeId));
    }

    [Fact]
    public void Editing_generated_text_mid_segment_forks_and_keeps_the_original()
    {
        var (t, session, upon, time) = ThreeSegments();
        using var _t = t;
        // "Once upon a time": replace "upon" with "after".
        var r = session.ApplyChange(5, 4, "after");
        Assert.Equal(EditKind.Forked, r.Kind);
        var s = r.State;
        Assert.Equal("Once after a time", s.FullText);
        var forked = s.Lineage[1];
        Assert.Equal(session.TreeId, forked.ParentId); // sibling of the original
        Assert.Equal(upon.Id, forked.Metadata.GetString(NodeMetadata.EditedFrom));
        Assert.Equal("edited", forked.Metadata.SourceKind);
        Assert.Equal(time.Id, s.Lineage[2].Metadata.GetString(NodeMetadata.EditedFrom));
        Assert.Equal(" upon", t.Store.GetNode(upon.Id).Text);
        Assert.Equal(" a time", t.Store.GetNode(time.Id).Text);
        Assert.Equal(upon.Id, t.Store.GetNode(time.Id).ParentId);
        // Further keystrokes change the fork in place.
        var count = NodeCount(t, session.TreeId);
        session.ApplyChange(10, 0, "!");
        Assert.Equal("Once after! a time", session.GetState().FullText);
        Assert.Equal(count, NodeCount(t, session.TreeId));
        // Undoing both edits goes back to the original path and removes the drafts.
        session.ApplyChange(10, 1, "");
        var back = session.ApplyChange(5, 5, "upon");
        Assert.Equal(EditKind.CheckedOutExisting, back.Kind);
        Assert.Equal(time.Id, back.State.CurrentNodeId);
        Assert.Equal(3, NodeCount(t, session.TreeId));
    }

    [Fact]
    public void An_edit_spanning_three_segments_merges_them_into_one_forked_node()
    {
        using var t = new TempStore();
        var session = t.NewSession("Root.");
        var a = t.AddChild(session.TreeId, " One.");
        var b = t.AddChild(a.Id, " Two.");
        var c = t.AddChild(b.Id, " Three.");
        var d = t.AddChild(c.Id, " Four.");
        session.Checkout(d.Id);
        var text = session.GetState().FullText; // "Root. One. Two. Three. Four."
        var start = text.IndexOf("ne.", StringComparison.Ordinal);
        var end = text.IndexOf("hree", StringComparison.Ordinal) + 2; // into " Three."
        var r = session.ApplyChange(start, end - start, "NE-TWO-TH");
        Assert.Equal(EditKind.Forked, r.Kind);
        Assert.Equal("Root. ONE-TWO-THee. Four.", r.State.FullText);
        Assert.Equal(["Root.", " ONE-TWO-THee.", " Four."], r.State.Lineage.Select(n => n.Text));
        Assert.Equal(5, t.Store.GetLineage(d.Id).Count); // the original path is intact
        Assert.Equal("Root. One. Two. Three. Four.", string.Concat(t.Store.GetLineage(d.Id).Select(n => n.Text)));
    }

    [Fact]
    public void Inserting_at_position_zero_is_kept()
    {
        var (t, session, _, _) = ThreeSegments(context: "ctx");
        using var _t = t;
        var r = session.ApplyChange(0, 0, "\u201c");
        Assert.Equal("\u201cOnce upon a time", r.State.FullText);
        Assert.Equal(EditKind.TreeForked, r.Kind);
        Assert.Equal("\u201cOnce", r.State.Lineage[0].Text);
        Assert.Equal("ctx", r.State.Context);
    }

    [Fact]
    public void A_root_edit_forks_a_new_tree_that_keeps_context_settings_and_origin()
    {
        var (t, session, _, time) = ThreeSegments(context: "You continue stories.");
        using var _t = t;
        var oldTree = session.TreeId;
        session.SetNBranches(7);
        var r = session.ApplyChange(1, 3, "NCE");
        Assert.Equal(EditKind.TreeForked, r.Kind);
        Assert.NotEqual(oldTree, session.TreeId);
        Assert.Equal("ONCE upon a time", r.State.FullText);
        Assert.Equal("You continue stories.", r.State.Context);
        Assert.Equal(7, r.State.NBranches);
        var tree = t.Store.GetTree(session.TreeId);
        Assert.Equal(oldTree, tree.Metadata.Get("forked_from")!["tree_id"]!.GetValue<string>());
        Assert.Equal("Once upon a time", string.Concat(t.Store.GetLineage(time.Id).Select(n => n.Text)));
    }

    [Fact]
    public void Deleting_everything_leaves_an_empty_path_and_loses_nothing()
    {
        var (t, session, _, time) = ThreeSegments();
        using var _t = t;
        var r = session.ApplyChange(0, session.GetState().FullText.Length, "");
        Assert.Equal("", r.State.FullText);
        Assert.Equal("Once upon a time", string.Concat(t.Store.GetLineage(time.Id).Select(n => n.Text)));
    }

    [Fact]
    public void Emoji_and_crlf_before_the_edit_map_by_utf16_offsets()
    {
        using var t = new TempStore();
        var session = t.NewSession("Gulls \U0001F426\r\n");
        var child = t.AddChild(session.TreeId, "\U0001F30A wave\r\nend");
        session.Checkout(child.Id);
        var text = session.GetState().FullText;
        var at = text.IndexOf("wave", StringComparison.Ordinal);
        Assert.Equal(13, at); // 6 + 2 (bird) + 2 (CRLF) + 2 (wave emoji) + 1 space, in UTF-16 units
        var r = session.ApplyChange(at, 4, "tide");
        Assert.Equal("Gulls \U0001F426\r\n\U0001F30A tide\r\nend", r.State.FullText);
        Assert.Equal("\U0001F30A tide\r\nend", r.State.Lineage[1].Text);
    }

    [Fact]
    public void Accepting_a_child_by_inserting_its_text_checks_it_out()
    {
        using var t = new TempStore();
        var session = t.NewSession("Once");
        t.AddChild(session.TreeId, " upon");
        var more = t.AddChild(session.TreeId, " more");
        session.Reload();
        var count = NodeCount(t, session.TreeId);
        var r = session.ApplyChange(4, 0, " more");
        Assert.Equal(EditKind.CheckedOutExisting, r.Kind);
        Assert.Equal(more.Id, r.State.CurrentNodeId);
        Assert.Equal(count, NodeCount(t, session.TreeId));
    }

    [Fact]
    public void Typing_the_text_of_an_existing_child_by_hand_converges_onto_it()
    {
        using var t = new TempStore();
        var session = t.NewSession("Once");
        var upon = t.AddChild(session.TreeId, " upon");
        session.Reload();
        var count = NodeCount(t, session.TreeId);
        foreach (var ch in " upon")
        {
            session.ApplyChange(session.GetState().FullText.Length, 0, ch.ToString());
        }
        Assert.Equal(upon.Id, session.GetState().CurrentNodeId);
        Assert.Equal(count, NodeCount(t, session.TreeId));
    }

    [Fact]
    public void A_new_empty_document_types_into_its_root()
    {
        using var t = new TempStore();
        var session = t.NewSession("");
        foreach (var ch in "Hello")
        {
            session.ApplyChange(session.GetState().FullText.Length, 0, ch.ToString());
        }
        session.ApplyChange(0, 1, "J");
        Assert.Equal("Jello", session.GetState().FullText);
        Assert.Equal(1, NodeCount(t, session.TreeId));
    }

    [Fact]
    public void ApplyEdit_finds_the_change_by_prefix_and_suffix()
    {
        var (t, session, upon, _) = ThreeSegments();
        using var _t = t;
        Assert.Null(session.ApplyEdit("Once upon a time", "Once upon a time"));
        var node = session.ApplyEdit("Once upon a time", "Once upon a rhyme");
        Assert.NotNull(node);
        Assert.Equal("Once upon a rhyme", session.GetState().FullText);
        Assert.Equal(" a rhyme", node!.Text);
        Assert.Equal(upon.Id, node.ParentId);
    }

    [Fact]
    public void Out_of_range_changes_throw_and_change_nothing()
    {
        var (t, session, _, _) = ThreeSegments();
        using var _t = t;
        var before = session.GetState();
        var count = NodeCount(t, session.TreeId);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.ApplyChange(-1, 0, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.ApplyChange(before.FullText.Length + 1, 0, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => session.ApplyChange(3, 100, "x"));
        Assert.Same(before, session.GetState());
        Assert.Equal(count, NodeCount(t, session.TreeId));
    }

    [Fact]
    public void TextChange_between_is_minimal_and_surrogate_safe()
    {
        Assert.Null(TextChange.Between("abc", "abc"));
        Assert.Equal(new TextChange(1, 1, "X"), TextChange.Between("abc", "aXc"));
        Assert.Equal(new TextChange(0, 0, "z"), TextChange.Between("abc", "zabc"));
        // 😀 -> 😃 share the high surrogate; the change must take the whole pair.
        var c = TextChange.Between("a\U0001F600", "a\U0001F603")!.Value;
        Assert.Equal(1, c.Offset);
        Assert.Equal(2, c.RemovedLength);
        Assert.Equal("\U0001F603", c.InsertedText);
    }
}
