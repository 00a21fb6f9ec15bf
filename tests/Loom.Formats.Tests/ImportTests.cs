using Loom.Core.Formats;
using Loom.Core.Tree;
using Loom.Formats.Tests.Support;

namespace Loom.Formats.Tests;

public class ImportTests
{
    [Theory]
    [InlineData("basemode-current.json", LoomFormat.Basemode)]
    [InlineData("basemode-older.json", LoomFormat.Basemode)]
    [InlineData("socketteer-full.json", LoomFormat.Socketteer)]
    [InlineData("socketteer-subtree.json", LoomFormat.Socketteer)]
    [InlineData("socketteer-simple.json", LoomFormat.Socketteer)]
    [InlineData("socketteer-array.json", LoomFormat.Socketteer)]
    [InlineData("socketteer.jsonl", LoomFormat.Socketteer)]
    [InlineData("socketteer-old-2021.json", LoomFormat.Socketteer)]
    [InlineData("loomsidian-data.json", LoomFormat.LoomsidianData)]
    [InlineData("loomsidian-note.json", LoomFormat.LoomsidianNote)]
    [InlineData("exoloom.json", LoomFormat.Exoloom)]
    [InlineData("miniloom.json", LoomFormat.MiniLoom)]
    [InlineData("bonsai.json", LoomFormat.Bonsai)]
    [InlineData("damask.json", LoomFormat.Bonsai)]
    [InlineData("tinyloom.json", LoomFormat.TinyLoom)]
    [InlineData("loom-handwritten.json", LoomFormat.Loom)]
    [InlineData("tapestry-legacy.md", LoomFormat.TapestryLegacy)]
    [InlineData("tapestry-legacy-compressed.md", LoomFormat.TapestryLegacy)]
    public void Detects_the_format_and_records_it_in_tree_metadata(string fixture, LoomFormat expected)
    {
        var trees = Fx.ImportAll(fixture);
        Assert.NotEmpty(trees);
        foreach (var t in trees)
        {
            Assert.Equal(expected, t.Format);
            var import = t.Tree.Metadata.Get("import")!.AsObject();
            Assert.Equal(expected.Name(), (string?)import["format"]);
            Assert.Equal(Fx.Path(fixture), (string?)import["file"]);
            Assert.All(t.Nodes, n => Assert.True(Ids.IsWellFormed(n.Id)));
            Assert.All(t.Nodes, n => Assert.Equal(t.Tree.Id, n.TreeId));
            Assert.Equal(t.Tree.Id, t.Root.Id);
            Assert.NotNull(t.Nodes.SingleOrDefault(n => n.Id == t.Tree.CurrentNodeId));
            AssertParentsFirst(t);
            AssertOneCheckedOutChildPerParent(t);
        }
    }

    internal static void AssertParentsFirst(ImportedTree t)
    {
        var seen = new HashSet<string>();
        foreach (var n in t.Nodes)
        {
            if (n.ParentId is not null)
            {
                Assert.Contains(n.ParentId, seen);
            }
            if (n.ContextId is not null)
            {
                Assert.Contains(n.ContextId, seen);
            }
            seen.Add(n.Id);
        }
    }

    private static void AssertOneCheckedOutChildPerParent(ImportedTree t)
    {
        foreach (var g in t.Nodes.Where(n => n.CheckedOut).GroupBy(n => n.ParentId))
        {
            Assert.Single(g);
        }
    }

    [Fact]
    public void Basemode_current_shape_keeps_ids_context_selection_models_and_bookmarks()
    {
        var t = Fx.Import("basemode-current.json");
        Assert.Equal("a0000000000000000000000000000001", t.Tree.Id);
        Assert.Equal("You write quiet lighthouse stories.", t.Context!.Text);
        Assert.Equal(t.Context.Id, t.Root.ContextId);
        Assert.Equal("a0000000000000000000000000000004", t.Tree.CurrentNodeId);
        var seven = Fx.ByText(t, " Seven today.");
        Assert.True(seven.IsBookmarked);
        Assert.True(seven.CheckedOut);
        Assert.Equal("example/base-7b", seven.Model);
        Assert.Equal("completion", seven.Strategy);
        Assert.Equal(40, seven.MaxTokens);
        Assert.Equal(0.9, seven.Temperature);
        Assert.Equal("2026-03-02T14:06:40.000002Z", seven.CreatedAt);
        Assert.Equal(new[] { " Seven today.", " None came back." }, Fx.ChildrenOf(t, t.Root).Select(n => n.Text));
        Assert.Equal("The keeper counted gulls. Seven today. He wrote it down. 🐦", Fx.Snap(t).PathText(t.Tree.CurrentNodeId!));
        Assert.Equal("basemode-current", t.Tree.Name);
    }

    [Fact]
    public void Basemode_older_shape_reads_root_id_and_orders_ties_by_id()
    {
        var t = Fx.Import("basemode-older.json");
        Assert.Equal("b0000000000000000000000000000001", t.Root.Id);
        Assert.Equal(new[] { " The ferry waited.", " No bell rang." }, Fx.ChildrenOf(t, t.Root).Select(n => n.Text));
        Assert.Equal(0, (int)Fx.ByText(t, " The ferry waited.").Metadata.Get("branch_index")!);
        Assert.True(Fx.ByText(t, " The ferry waited.").IsBookmarked);
        // No checked_out flags: the first path is selected.
        Assert.Equal(Fx.ByText(t, " The ferry waited.").Id, t.Tree.CurrentNodeId);
    }

    [Fact]
    public void Socketteer_full_save_keeps_selection_bookmarks_chapters_models_and_astral_text()
    {
        var t = Fx.Import("socketteer-full.json");
        Assert.Equal("", t.Root.Text);
        var seven = Fx.ByText(t, " Seven today 🐦.");
        Assert.True(seven.IsBookmarked);
        Assert.Equal("davinci-002", seven.Model);
        Assert.Equal("n2", seven.Metadata.GetString("source_id"));
        Assert.Equal("stop", seven.Metadata.GetString("finish_reason"));
        Assert.NotNull(seven.Metadata.Get("source_logprobs"));
        var keeper = Fx.ByText(t, "The keeper counted gulls.");
        Assert.True(keeper.IsBookmarked); // a chapter start
        Assert.Equal("Gulls", keeper.Metadata.GetString("chapter"));
        Assert.Equal("human", keeper.Metadata.GetString("source"));
        Assert.Equal("unknown", Fx.ByText(t, " A third one, no children key.").Model); // AI, dangling generation link
        Assert.Equal("edited", Fx.ByText(t, " He wrote it down.").Metadata.GetString("source"));
        Assert.Equal(new[] { " Seven today 🐦.", " None came back.", " A third one, no children key." },
            Fx.ChildrenOf(t, keeper).Select(n => n.Text));
        Assert.Equal(Fx.ByText(t, " He wrote it down.").Id, t.Tree.CurrentNodeId);
        Assert.Equal("The keeper counted gulls. Seven today 🐦. He wrote it down.", Fx.Snap(t).PathText(t.Tree.CurrentNodeId!));
        var created = DateTime.ParseExact("2024-03-02-14.05.11", "yyyy-MM-dd-HH.mm.ss", null, System.Globalization.DateTimeStyles.AssumeLocal);
        Assert.Equal(Ids.Timestamp(new DateTimeOffset(created)), keeper.CreatedAt);
        Assert.NotNull(t.Tree.Metadata.Get("socketteer")!["generation_settings"]);
    }

    [Fact]
    public void Socketteer_variants_subtree_simple_array_and_jsonl()
    {
        var sub = Fx.Import("socketteer-subtree.json");
        Assert.Equal("Salt on the window.", sub.Root.Text);
        Assert.True(Fx.ByText(sub, " The lamp was out.").IsBookmarked);

        var simple = Fx.Import("socketteer-simple.json");
        Assert.Equal(4, simple.Nodes.Count);
        Assert.Equal("Once, a lighthouse stood alone. Then a boat came.", Fx.Snap(simple).PathText(simple.Tree.CurrentNodeId!));

        var array = Fx.Import("socketteer-array.json");
        Assert.Equal("", array.Root.Text);
        Assert.Equal(new[] { "First opening.", "Second opening." }, Fx.ChildrenOf(array, array.Root).Select(n => n.Text));

        var jsonl = Fx.Import("socketteer.jsonl");
        Assert.Equal("The tide turned.", jsonl.Root.Text);
        Assert.Equal(4, jsonl.Nodes.Count);
        Assert.Equal("The tide turned. Boats came in. Gulls followed.", Fx.Snap(jsonl).PathText(jsonl.Tree.CurrentNodeId!));
    }

    [Fact]
    public void Socketteer_pre_2021_files_keep_model_and_boolean_bookmark()
    {
        var t = Fx.Import("socketteer-old-2021.json");
        Assert.True(t.Root.IsBookmarked);
        Assert.Equal("davinci", Fx.ByText(t, " Old continuation.").Model);
    }

    [Fact]
    public void Loomsidian_data_json_gives_one_tree_per_note_and_never_reads_settings()
    {
        var trees = Fx.ImportAll("loomsidian-data.json");
        Assert.Equal(2, trees.Count); // the empty note is skipped
        var gulls = trees.Single(t => t.SourcePart == "Stories/gulls.md");
        Assert.Equal("Stories/gulls", gulls.Tree.Name);
        Assert.Equal("The keeper counted gulls.", gulls.Root.Text);
        Assert.True(Fx.ByText(gulls, " Seven today.").IsBookmarked);
        Assert.Equal(Fx.ByText(gulls, " Seven today.").Id, gulls.Tree.CurrentNodeId);
        Assert.True(Fx.ByText(gulls, " None came back.").Metadata.GetBool("unread"));
        Assert.Equal("2024-03-02T14:05:11.000000Z", gulls.Root.CreatedAt);

        var ferry = trees.Single(t => t.SourcePart == "Drafts/ferry.md");
        Assert.Equal("", ferry.Root.Text); // two root passages under a new root
        Assert.Equal(2, Fx.ChildrenOf(ferry, ferry.Root).Count);
        Assert.Contains(ferry.Nodes, n => n.Text == "" && n.ParentId is not null); // null text
        Assert.Contains(ferry.Warnings, w => w.Contains("missing-node"));

        foreach (var t in trees)
        {
            var all = t.Tree.Metadata.ToJson() + string.Concat(t.Nodes.Select(n => n.Metadata.ToJson() + n.Text));
            Assert.DoesNotContain("sk-INVENTED", all);
            Assert.DoesNotContain("apiKey", all);
        }
    }

    [Fact]
    public void Loomsidian_data_json_imports_one_note_by_path()
    {
        var trees = LoomImporter.ImportFile(Fx.Path("loomsidian-data.json"), Fx.Options() with { Part = "Drafts/ferry.md" });
        Assert.Equal("Drafts/ferry.md", Assert.Single(trees).SourcePart);
        var e = Assert.Throws<LoomImportException>(() =>
            LoomImporter.ImportFile(Fx.Path("loomsidian-data.json"), Fx.Options() with { Part = "Nope.md" }));
        Assert.Contains("no note 'Nope.md'", e.Message);
    }

    [Fact]
    public void Loomsidian_note_export_handles_repeated_keys_and_missing_parents()
    {
        var t = Fx.Import("loomsidian-note.json");
        // Two roots (k1 and the orphan k5) hang under a new empty root.
        Assert.Equal("", t.Root.Text);
        var k1 = Fx.ByText(t, "Night watch.");
        // The repeated key k2 keeps its first position with its last value.
        Assert.Equal(new[] { " The lamp turned twice.", " A ship answered." }, Fx.ChildrenOf(t, k1).Select(n => n.Text));
        Assert.Equal(Fx.ByText(t, " A ship answered.").Id, t.Tree.CurrentNodeId);
        Assert.Contains(t.Warnings, w => w.Contains("treated as roots"));
    }

    [Fact]
    public void Exoloom_follows_children_ids_and_reads_the_lens()
    {
        var t = Fx.Import("exoloom.json");
        Assert.Equal("Gulls", t.Tree.Name);
        Assert.Equal("invented sample", t.Tree.Metadata.GetString("description"));
        Assert.Equal(new[] { " None came back.", " Seven today." }, Fx.ChildrenOf(t, t.Root).Select(n => n.Text));
        var seven = Fx.ByText(t, " Seven today.");
        Assert.True(seven.IsBookmarked);
        Assert.Equal("example-base-7b", seven.Model);
        Assert.Equal("2", seven.Metadata.GetString("source_id"));
        Assert.True(Fx.ByText(t, " None came back.").Metadata.GetBool("pruned"));
        Assert.DoesNotContain(t.Nodes, n => n.Text == " Unreachable.");
        Assert.Contains(t.Warnings, w => w.Contains("cannot be reached"));
        Assert.Contains(t.Warnings, w => w.Contains("bookmarks"));
        Assert.Equal("2025-11-02T09:15:00.000000Z", t.Tree.CreatedAt);
        Assert.Equal("human", t.Root.Metadata.GetString("source"));
    }

    [Fact]
    public void MiniLoom_applies_patches_in_utf16_and_joins_split_surrogate_pairs()
    {
        var t = Fx.Import("miniloom.json");
        var snap = Fx.Snap(t);
        Assert.Equal("", t.Root.Text);
        var keeper = Fx.ByText(t, "The keeper counted gulls.");
        Assert.Equal(new[] { " I feel 😀 today.", " None came back." }, Fx.ChildrenOf(t, keeper).Select(n => n.Text));
        var feeling = Fx.ByText(t, " I feel 😀 today.");
        Assert.Equal("example-base-7b", feeling.Model);
        Assert.True(feeling.Metadata.GetBool("rating"));
        Assert.Equal("stop", feeling.Metadata.GetString("finish_reason"));
        // The rewrite node changes the emoji: the patch splits the surrogate pair across diffs.
        var rewrite = t.Nodes.Single(n => n.Metadata.GetString("source_id") == "6");
        Assert.Equal("The keeper counted gulls. I feel 😃 today.", rewrite.Metadata.GetString("full_text"));
        Assert.Equal("edited", rewrite.Metadata.GetString("source"));
        Assert.Equal("😃 today.", rewrite.Text);
        var yes = Fx.ByText(t, " Yes.");
        Assert.Equal(yes.Id, t.Tree.CurrentNodeId);
        Assert.Equal("", t.Nodes.Single(n => n.Metadata.GetString("source_id") == "4").Text);
        Assert.All(t.Nodes, n => Assert.DoesNotContain('\uFFFD', n.Text));
        Assert.Contains(t.Warnings, w => w.Contains("full_text"));
        Assert.Equal("Emoji swap", rewrite.Metadata.GetString("summary"));
        Assert.Null(t.Nodes.Single(n => n.Metadata.GetString("source_id") == "1").Metadata.Get("cachedRenderText"));
        _ = snap;
    }

    [Fact]
    public void Bonsai_full_texts_are_cut_into_segments()
    {
        var t = Fx.Import("bonsai.json");
        Assert.Equal("The well was dry.", t.Root.Text);
        var rain = Fx.ByText(t, " Rain came at noon.");
        Assert.True(rain.IsBookmarked);
        Assert.Equal("example-base-7b", rain.Model);
        Assert.Equal("g1", rain.Metadata.GetString("generationId"));
        Assert.Null(t.Root.Model);
    }

    [Fact]
    public void Damask_reads_children_ids_order_and_the_focused_path()
    {
        var t = Fx.Import("damask.json");
        Assert.Equal("Harbour", t.Tree.Name);
        Assert.Equal(new[] { " Nothing moved.", " A tug moved." }, Fx.ChildrenOf(t, t.Root).Select(n => n.Text));
        Assert.Equal("Harbour lights. Nothing moved. Until dawn.", Fx.Snap(t).PathText(t.Tree.CurrentNodeId!));
    }

    [Fact]
    public void TinyLoom_reads_patches_texts_and_models_from_type()
    {
        var t = Fx.Import("tinyloom.json");
        Assert.Equal("Cold morning.", t.Root.Text);
        var frost = Fx.ByText(t, " Frost.");
        Assert.True(frost.IsBookmarked);
        Assert.Equal("example-base-7b", frost.Model);
        Assert.True(Fx.ByText(t, " Fog.").Metadata.GetBool("hidden"));
    }

    [Fact]
    public void Loom_json_keeps_everything()
    {
        var t = Fx.Import("loom-handwritten.json");
        Assert.Equal("c0000000000000000000000000000001", t.Tree.Id);
        Assert.Equal("Handwritten", t.Tree.Name);
        Assert.False(t.Tree.ShowModelNames);
        Assert.True(t.Tree.RewindSplitTokens);
        Assert.Equal("c0000000000000000000000000000002", t.Tree.CurrentNodeId); // cursor above the checked-out end
        Assert.Equal(2, t.Tree.ModelPlan.Count);
        Assert.False(t.Tree.ModelPlan[1].Enabled);
        Assert.Equal(0.7, t.Tree.ModelPlan[0].Temperature);
        Assert.Equal("2026-11-02T10:00:00.000000Z", t.Tree.UpdatedAt);
        Assert.Equal("kept", t.Tree.Metadata.GetString("note"));
        Assert.Equal("loom", t.Tree.Metadata.Get("import")!["format"]!.GetValue<string>());
        Assert.Equal("System prompt.", t.Context!.Text);
        Assert.True(Fx.ByText(t, " End below the cursor.").CheckedOut);
        Assert.True(Fx.ByText(t, " End below the cursor.").IsDraft);
        Assert.Equal(new[] { " Middle.", " Same time, larger id." }, Fx.ChildrenOf(t, t.Root).Select(n => n.Text));
        Assert.Equal("2026-11-01T10:01:00.000000Z", Fx.ByText(t, " Same time, larger id.").CreatedAt);
        Assert.Equal(3, (int)Fx.ByText(t, " Middle.").Metadata.Get("usage")!["prompt_tokens"]!);
    }

    [Fact]
    public void Ids_repeated_across_a_file_get_fresh_ids()
    {
        var json = """
            {"root": {"id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "text": "R", "children": [
              {"id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "text": " dup", "children": []}]}}
            """;
        var t = Fx.ImportText(json);
        Assert.Equal(2, t.Nodes.Select(n => n.Id).Distinct().Count());
        Assert.Equal("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", t.Root.Id);
        Assert.Equal("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", Fx.ByText(t, " dup").Metadata.GetString("source_id"));
        Assert.Contains(t.Warnings, w => w.Contains("repeat an id"));
    }

    [Fact]
    public void Sibling_order_survives_equal_timestamps_with_fresh_ids()
    {
        // socketteer siblings share a timestamp to the second; fresh random ids must not reorder them.
        var kids = string.Join(",", Enumerable.Range(0, 30).Select(i =>
            "{\"id\": \"k" + i + "\", \"text\": \" child " + i + "\", \"meta\": {\"creation_timestamp\": \"2024-03-02-14.06.40\"}, \"children\": []}"));
        var t = Fx.ImportText("{\"root\": {\"id\": \"r\", \"text\": \"R\", \"children\": [" + kids + "]}}");
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $" child {i}"), Fx.ChildrenOf(t, t.Root).Select(n => n.Text));
    }

    [Fact]
    public void Forced_format_overrides_detection()
    {
        // A simple socketteer tree also parses as a bare node when forced.
        var t = Assert.Single(Fx.ImportAll("socketteer-simple.json", LoomFormat.Socketteer));
        Assert.Equal("Once, a lighthouse", t.Root.Text);
        var e = Assert.Throws<LoomImportException>(() => Fx.ImportAll("exoloom.json", LoomFormat.Basemode));
        Assert.Contains("'nodes' (basemode-loom export) should be an array but is missing", e.Message);
    }

    [Fact]
    public void Deep_socketteer_chain_of_100000_nodes_imports_without_recursion()
    {
        const int depth = 100_000;
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            sb.Append(i == 0 ? "{\"root\": " : "").Append("{\"id\": \"n").Append(i).Append("\", \"text\": \"x\", \"children\": [");
        }
        sb.Append(']', 1);
        for (var i = 0; i < depth - 1; i++)
        {
            sb.Append("}]");
        }
        sb.Append("}}");
        var t = Fx.ImportText(sb.ToString());
        Assert.Equal(depth, t.Nodes.Count);
        Assert.Equal(depth, Fx.Snap(t).Lineage(t.Tree.CurrentNodeId!).Count);
    }
}
