using System.Text.RegularExpressions;
using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;
using Microsoft.Data.Sqlite;

namespace Loom.Core.Tests;

public class StoreTests
{
    private static long Scalar(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    [Fact]
    public void New_file_gets_basemode_schema_version_4_with_its_three_indexes()
    {
        using var t = new TempStore();
        Assert.Equal(4, Scalar(t.Path_, "PRAGMA user_version"));
        foreach (var index in new[] { "idx_nodes_parent_created", "idx_nodes_tree_created", "idx_nodes_one_checked_out_child" })
        {
            Assert.Equal(1, Scalar(t.Path_, $"SELECT count(*) FROM sqlite_master WHERE type='index' AND name='{index}'"));
        }
        Assert.Equal("wal", ReadJournalMode(t.Path_));
    }

    private static string ReadJournalMode(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        return (string)cmd.ExecuteScalar()!;
    }

    [Fact]
    public void Ids_and_timestamps_have_basemode_shape()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "Once", TempStore.Plan);
        var tree = t.Store.GetTree(root.Id);
        Assert.Matches("^[0-9a-f]{32}$", root.Id);
        Assert.Equal(root.Id, tree.Id);
        Assert.Equal(root.Id, tree.CurrentNodeId);
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"), root.CreatedAt);
        Assert.Equal(NodeKind.Root, t.Store.GetNode(root.Id).Kind);
        Assert.Null(t.Store.GetNode(root.Id).ParentId);
    }

    [Fact]
    public void Opens_a_database_that_basemode_loom_wrote()
    {
        var dir = Path.Combine(Path.GetTempPath(), "loom-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "basemode.sqlite");
        using (var c = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE trees (id TEXT PRIMARY KEY, current_node_id TEXT, name TEXT, show_model_names INTEGER NOT NULL DEFAULT 1,
                  rewind_split_tokens INTEGER NOT NULL DEFAULT 0, model_plan_json TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL, metadata_json TEXT NOT NULL DEFAULT '{}', archived INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE nodes (id TEXT PRIMARY KEY, tree_id TEXT NOT NULL, parent_id TEXT REFERENCES nodes(id) ON DELETE CASCADE,
                  kind TEXT NOT NULL DEFAULT 'text', text TEXT NOT NULL, context_id TEXT REFERENCES nodes(id), model TEXT, strategy TEXT,
                  max_tokens INTEGER, temperature REAL, checked_out INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, metadata_json TEXT NOT NULL DEFAULT '{}');
                CREATE INDEX idx_nodes_parent_created ON nodes(parent_id, created_at);
                CREATE INDEX idx_nodes_tree_created ON nodes(tree_id, created_at);
                CREATE UNIQUE INDEX idx_nodes_one_checked_out_child ON nodes(parent_id) WHERE checked_out = 1 AND parent_id IS NOT NULL;
                PRAGMA user_version = 4;
                INSERT INTO trees VALUES ('a0000000000000000000000000000001', 'a0000000000000000000000000000002', 'gulls', 1, 0,
                  '[{"model": "openai/davinci-002", "n_branches": 2, "max_tokens": 40, "temperature": 0.9, "enabled": true}]',
                  '2026-03-02T14:05:11.000001Z', '2026-03-02T14:05:11.000001Z', '{}', 0);
                INSERT INTO nodes VALUES ('a0000000000000000000000000000003', 'a0000000000000000000000000000001', NULL, 'context', 'Be terse.', NULL, NULL, NULL, NULL, NULL, 0, '2026-03-02T14:05:11.000000Z', '{}');
                INSERT INTO nodes VALUES ('a0000000000000000000000000000001', 'a0000000000000000000000000000001', NULL, 'root', 'The keeper counted gulls.', 'a0000000000000000000000000000003', NULL, NULL, NULL, NULL, 0, '2026-03-02T14:05:11.000001Z', '{}');
                INSERT INTO nodes VALUES ('a0000000000000000000000000000002', 'a0000000000000000000000000000001', 'a0000000000000000000000000000001', 'text', ' Seven today.', NULL, 'openai/davinci-002', 'completion', 40, 0.9, 1, '2026-03-02T14:06:40.000002Z', '{"bookmarked": true}');
                INSERT INTO nodes VALUES ('a0000000000000000000000000000004', 'a0000000000000000000000000000001', 'a0000000000000000000000000000001', 'text', ' None came back.', NULL, 'openai/davinci-002', 'completion', 40, 0.9, 0, '2026-03-02T14:06:40.000003Z', '{}');
                """;
            cmd.ExecuteNonQuery();
        }
        using var store = SqliteLoomStore.Open(path);
        var tree = store.GetTree("a0000000000000000000000000000001");
        using var session = new LoomSession(store, tree.CurrentNodeId!);
        var state = session.GetState();
        Assert.Equal("The keeper counted gulls. Seven today.", state.FullText);
        Assert.Equal("Be terse.", state.Context);
        Assert.Equal("openai/davinci-002", state.Model);
        Assert.Equal(2, state.NBranches);
        Assert.True(state.Bookmarked);
        var parent = session.NavigateParent();
        Assert.Equal(2, parent.Children.Length);
        Assert.Equal(0, parent.SelectedChildIdx);
        Assert.Equal(4, Scalar(path, "PRAGMA user_version"));
    }

    [Fact]
    public void A_file_that_is_not_sqlite_gives_a_clear_error_and_stays_untouched()
    {
        var dir = Path.Combine(Path.GetTempPath(), "loom-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "notes.sqlite");
        var bytes = "these are my notes, not a database\n"u8.ToArray();
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<StoreOpenException>(() => SqliteLoomStore.Open(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a SQLite database", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + "-wal"));
    }

    [Fact]
    public void A_corrupt_database_gives_a_clear_error_naming_the_path()
    {
        using var t = new TempStore();
        Trees.Create(t.Store, "text", TempStore.Plan);
        t.Store.Dispose();
        var bytes = File.ReadAllBytes(t.Path_);
        // Keep the header, destroy the schema page.
        for (var i = 100; i < Math.Min(bytes.Length, 4096); i++)
        {
            bytes[i] = 0xEE;
        }
        File.WriteAllBytes(t.Path_, bytes);
        File.Delete(t.Path_ + "-wal");
        var e = Assert.ThrowsAny<LoomStoreException>(() =>
        {
            using var s = SqliteLoomStore.Open(t.Path_);
            s.ListTrees();
        });
        Assert.Contains(t.Path_, e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(t.Path_));
    }

    [Fact]
    public void A_newer_schema_opens_read_only_with_a_message_and_refuses_writes()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "text", TempStore.Plan);
        t.Store.Dispose();
        using (var c = new SqliteConnection($"Data Source={t.Path_};Pooling=false"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 9";
            cmd.ExecuteNonQuery();
        }
        using var store = SqliteLoomStore.Open(t.Path_);
        Assert.True(store.IsReadOnly);
        Assert.Contains("newer", store.OpenWarning);
        Assert.Equal("text", store.GetNode(root.Id).Text);
        var e = Assert.Throws<StoreReadOnlyException>(() => store.Write(w =>
        {
            w.UpdateNodeText(root.Id, "changed");
            return 0;
        }));
        Assert.Contains(t.Path_, e.Message);
        Assert.Equal(9, Scalar(t.Path_, "PRAGMA user_version"));
        Assert.Equal("text", store.GetNode(root.Id).Text);
    }

    [Fact]
    public void A_failed_write_rolls_back_the_whole_transaction()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "root", TempStore.Plan);
        Assert.Throws<NodeNotFoundException>(() => t.Store.Write(w =>
        {
            w.UpdateNodeText(root.Id, "changed");
            w.UpdateNodeText("ffffffffffffffffffffffffffffffff", "x");
            return 0;
        }));
        Assert.Equal("root", t.Store.GetNode(root.Id).Text);
    }

    [Fact]
    public void Unknown_ids_name_the_id()
    {
        using var t = new TempStore();
        var e = Assert.Throws<NodeNotFoundException>(() => t.Store.GetLineage("0123456789abcdef0123456789abcdef"));
        Assert.Contains("0123456789abcdef0123456789abcdef", e.Message);
        Assert.Throws<NodeNotFoundException>(() => new LoomSession(t.Store, "nope"));
    }

    [Fact]
    public void Children_are_ordered_by_creation_and_only_one_is_checked_out()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "r", TempStore.Plan);
        var a = t.AddChild(root.Id, "a");
        var b = t.AddChild(root.Id, "b");
        var c = t.AddChild(root.Id, "c");
        Assert.Equal([a.Id, b.Id, c.Id], t.Store.GetChildren(root.Id).Select(n => n.Id));
        t.Store.Write(w => { w.SetCheckedOutChild(root.Id, b.Id); return 0; });
        t.Store.Write(w => { w.SetCheckedOutChild(root.Id, c.Id); return 0; });
        Assert.Equal([c.Id], t.Store.GetChildren(root.Id).Where(n => n.CheckedOut).Select(n => n.Id));
    }

    [Fact]
    public void Descendant_counts_follow_inserts_and_deletes()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "r", TempStore.Plan);
        var a = t.AddChild(root.Id, "a");
        var b = t.AddChild(root.Id, "b");
        var a1 = t.AddChild(a.Id, "a1");
        t.AddChild(a1.Id, "a11");
        Assert.Equal(2, t.Store.GetChildDescendantCounts(root.Id)[a.Id]);
        Assert.Equal(0, t.Store.GetChildDescendantCounts(root.Id)[b.Id]);
        t.AddChild(a1.Id, "a12");
        Assert.Equal(3, t.Store.GetChildDescendantCounts(root.Id)[a.Id]);
        t.Store.Write(w => w.DeleteSubtree(a1.Id));
        Assert.Equal(0, t.Store.GetChildDescendantCounts(root.Id)[a.Id]);
    }

    [Fact]
    public void Another_connection_writing_invalidates_cached_counts()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "r", TempStore.Plan);
        var a = t.AddChild(root.Id, "a");
        Assert.Equal(0, t.Store.GetChildDescendantCounts(root.Id)[a.Id]);
        using (var other = SqliteLoomStore.Open(t.Path_))
        {
            other.Write(w =>
            {
                w.InsertNode(new Node(Ids.NewId(), root.Id, a.Id, NodeKind.Text, "x", null, null, null, null, null, false, t.Clock.Next(), NodeMetadata.Empty));
                return 0;
            });
        }
        Assert.Equal(1, t.Store.GetChildDescendantCounts(root.Id)[a.Id]);
    }

    [Fact]
    public void Bindings_round_trip()
    {
        using var t = new TempStore();
        var root = Trees.Create(t.Store, "r", TempStore.Plan);
        t.Store.Write(w => { w.SetBinding("file:///a.loom", root.Id, root.Id); return 0; });
        Assert.Equal(root.Id, t.Store.GetBinding("file:///a.loom")!.TreeId);
        Assert.Equal(["file:///a.loom"], t.Store.GetBoundUris(root.Id));
        Assert.Null(t.Store.GetBinding("file:///b.loom"));
    }

    [Fact]
    public void Search_finds_text_in_every_tree()
    {
        using var t = new TempStore();
        var r1 = Trees.Create(t.Store, "The keeper counted gulls", TempStore.Plan);
        var r2 = Trees.Create(t.Store, "A fox", TempStore.Plan);
        t.AddChild(r2.Id, " and the GULLS flew");
        var hits = t.Store.Search("gulls", 10);
        Assert.Equal(2, hits.Count);
        Assert.Contains(hits, h => h.TreeId == r1.Id);
        Assert.Contains(hits, h => h.TreeId == r2.Id);
    }

    [Fact]
    public void Trees_are_listed_newest_first_with_preview_and_count()
    {
        using var t = new TempStore();
        var r1 = Trees.Create(t.Store, new string('x', 200), TempStore.Plan);
        var r2 = Trees.Create(t.Store, "second", TempStore.Plan);
        t.AddChild(r2.Id, "child");
        var list = t.Store.ListTrees();
        Assert.Equal(r2.Id, list[0].Id);
        Assert.Equal(2, list[0].NodeCount);
        Assert.Equal(80, list.Single(l => l.Id == r1.Id).Preview.Length);
    }
}

public class SearchIndexTests
{
    [Fact]
    public void Search_sees_typed_edited_and_deleted_text_and_other_programs_writes()
    {
        using var t = new TempStore();
        var session = t.NewSession("The keeper counted gulls.");
        var child = t.AddChild(session.TreeId, " Seven cormorants today.");
        Assert.Equal(child.Id, Assert.Single(t.Store.Search("cormorant", 10)).NodeId);
        session.Checkout(child.Id);
        session.ApplyChange(session.GetState().FullText.Length, 0, " A petrel");
        Assert.Single(t.Store.Search("PETREL", 10));
        session.ApplyChange(session.GetState().FullText.Length - 6, 6, "puffin");
        Assert.Empty(t.Store.Search("petrel", 10));
        Assert.Single(t.Store.Search("puffin", 10));
        session.DeleteSubtree(child.Id);
        Assert.Empty(t.Store.Search("cormorant", 10));
        Assert.Empty(t.Store.Search("puffin", 10));
        // Another program (basemode-loom) adds a node: the index notices by count and rebuilds.
        using (var other = SqliteLoomStore.Open(t.Path_))
        {
            other.Write(w =>
            {
                w.InsertNode(new Node(Ids.NewId(), session.TreeId, session.TreeId, NodeKind.Text, " an albatross", null, null, null, null, null, false, t.Clock.Next(), NodeMetadata.Empty));
                return 0;
            });
        }
        Assert.Single(t.Store.Search("albatross", 10));
        // Short queries scan instead of using the trigram index.
        Assert.NotEmpty(t.Store.Search("al", 10));
        Assert.Empty(t.Store.Search("\"quoted\"", 10));
    }
}
