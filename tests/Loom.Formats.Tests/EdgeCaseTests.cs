using Loom.Core.Formats;
using Loom.Formats.Tests.Support;

namespace Loom.Formats.Tests;

public class EdgeCaseTests
{
    [Fact]
    public void A_single_jsonl_line_is_a_one_node_tree()
    {
        var t = Fx.ImportText("{\"id\": \"only\", \"text\": \"Just one line.\"}\n");
        Assert.Equal(LoomFormat.Socketteer, t.Format);
        Assert.Equal("Just one line.", t.Root.Text);
    }

    [Fact]
    public void A_miniloom_patch_that_does_not_apply_keeps_the_text_and_warns()
    {
        var json = """
            {"loomTree": {"nodeStore": {
              "1": {"id": "1", "type": "root", "parent": null, "children": ["2"], "patch": ""},
              "2": {"id": "2", "type": "user", "parent": "1", "children": ["3"],
                    "patch": [{"diffs": [[1, "Hello world."]], "start1": 0, "start2": 0, "length1": 0, "length2": 12}]},
              "3": {"id": "3", "type": "gen", "parent": "2", "children": [],
                    "patch": [{"diffs": [[0, "NOT THERE"], [1, " Added."]], "start1": 3, "start2": 3, "length1": 9, "length2": 16},
                              {"diffs": [[0, "world."], [1, " Tail."]], "start1": 6, "start2": 6, "length1": 6, "length2": 12}]}}},
             "focus": {"id": "3"}}
            """;
        var t = Fx.ImportText(json);
        Assert.Equal("Hello world. Tail.", Fx.Snap(t).PathText(t.Tree.CurrentNodeId!));
        Assert.Contains(t.Warnings, w => w.Contains("1 patch hunk(s) in 1 node(s) did not apply"));
    }

    [Fact]
    public void A_miniloom_patch_found_away_from_its_offset_still_applies()
    {
        var json = """
            {"loomTree": {"nodeStore": {
              "1": {"id": "1", "type": "root", "parent": null, "children": ["2"], "patch": ""},
              "2": {"id": "2", "type": "user", "parent": "1", "children": ["3"],
                    "patch": [{"diffs": [[1, "abc def ghi"]], "start1": 0, "start2": 0, "length1": 0, "length2": 11}]},
              "3": {"id": "3", "type": "gen", "parent": "2", "children": [],
                    "patch": [{"diffs": [[0, "ghi"], [1, "!"]], "start1": 2, "start2": 2, "length1": 3, "length2": 4}]}}},
             "focus": {"id": "3"}}
            """;
        var t = Fx.ImportText(json);
        Assert.Equal("abc def ghi!", Fx.Snap(t).PathText(t.Tree.CurrentNodeId!));
        Assert.Empty(t.Warnings);
    }

    [Fact]
    public void A_lone_surrogate_nothing_completes_becomes_a_replacement_character()
    {
        var t = Fx.ImportText("{\"text\": \"broken \\ud83d here\", \"children\": []}");
        Assert.Equal("broken \uFFFD here", t.Root.Text);
        Assert.Contains(t.Warnings, w => w.Contains("U+FFFD"));
    }

    [Fact]
    public void Two_checked_out_children_keep_the_first()
    {
        var json = """
            {"version": 1, "nodes": [
              {"id": "d0000000000000000000000000000001", "parent_id": null, "tree_id": "d0000000000000000000000000000001", "kind": "root", "text": "R", "created_at": "2026-01-01T00:00:00.000000Z"},
              {"id": "d0000000000000000000000000000002", "parent_id": "d0000000000000000000000000000001", "tree_id": "d0000000000000000000000000000001", "text": " a", "checked_out": true, "created_at": "2026-01-01T00:00:01.000000Z"},
              {"id": "d0000000000000000000000000000003", "parent_id": "d0000000000000000000000000000001", "tree_id": "d0000000000000000000000000000001", "text": " b", "checked_out": 1, "created_at": "2026-01-01T00:00:02.000000Z"}
            ]}
            """;
        var t = Fx.ImportText(json);
        Assert.True(Fx.ByText(t, " a").CheckedOut);
        Assert.False(Fx.ByText(t, " b").CheckedOut);
        Assert.Contains(t.Warnings, w => w.Contains("second checked-out child"));
    }

    [Fact]
    public void Nodes_listed_before_their_parents_and_missing_timestamps()
    {
        var json = """
            {"version": 1, "nodes": [
              {"id": "d0000000000000000000000000000003", "parent_id": "d0000000000000000000000000000002", "root_id": "d0000000000000000000000000000001", "text": " c"},
              {"id": "d0000000000000000000000000000002", "parent_id": "d0000000000000000000000000000001", "root_id": "d0000000000000000000000000000001", "text": " b"},
              {"id": "d0000000000000000000000000000001", "parent_id": null, "root_id": "d0000000000000000000000000000001", "text": "a", "metadata": "not an object"}
            ]}
            """;
        var t = Fx.ImportText(json);
        Assert.Equal("a b c", Fx.Snap(t).PathText(t.Tree.CurrentNodeId!));
        ImportTests.AssertParentsFirst(t);
        Assert.All(t.Nodes, n => Assert.Equal(Fx.Now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'"), n.CreatedAt));
        Assert.Contains(t.Warnings, w => w.Contains("'metadata' is a string"));
    }
}
