using System.Text;
using Loom.Core.Formats;
using Loom.Core.Store;
using Loom.Formats.Tests.Support;

namespace Loom.Formats.Tests;

/// <summary>Imports into the real SQLite store (basemode-loom's schema) and exports from it.</summary>
public class SqliteStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "loom-formats-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteLoomStore _store;

    public SqliteStoreTests()
    {
        Directory.CreateDirectory(_dir);
        _store = SqliteLoomStore.Open(Path.Combine(_dir, "trees.sqlite"));
    }

    public void Dispose()
    {
        _store.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Theory]
    [MemberData(nameof(RoundTripTests.Fixtures), MemberType = typeof(RoundTripTests))]
    public void Every_fixture_saves_and_exports_back_exactly(string fixture)
    {
        foreach (var imported in Fx.ImportAll(fixture))
        {
            var saved = imported.SaveTo(_store);
            var fromStore = TreeSnapshot.FromStore(_store, saved.Tree.Id);
            Assert.Equal(LoomExporter.ExportToString(Fx.Snap(saved), LoomFormat.Loom), LoomExporter.ExportToString(fromStore, LoomFormat.Loom));
            Assert.Equal(saved.Tree.CurrentNodeId, _store.GetTree(saved.Tree.Id).CurrentNodeId);
            Assert.Equal(Fx.Snap(saved).PathText(saved.Tree.CurrentNodeId!),
                string.Concat(_store.GetLineage(saved.Tree.CurrentNodeId!).Select(n => n.Text)));
        }
    }

    [Fact]
    public void The_same_file_twice_gives_two_trees()
    {
        var first = Fx.Import("basemode-current.json").SaveTo(_store);
        var second = Fx.Import("basemode-current.json").SaveTo(_store);
        Assert.NotEqual(first.Tree.Id, second.Tree.Id);
        Assert.Equal(2, _store.ListTrees().Count);
        Assert.Equal(Fx.Shape(TreeSnapshot.FromStore(_store, first.Tree.Id), true), Fx.Shape(TreeSnapshot.FromStore(_store, second.Tree.Id), true));
        Assert.Equal("a0000000000000000000000000000002", second.Nodes.Single(n => n.Text == " Seven today.").Metadata.GetString("source_id"));
    }

    [Fact]
    public void An_id_colliding_below_a_new_root_is_renamed_on_retry()
    {
        // Tree 1 holds node ...0002. Tree 2 has a new root but reuses that id for a child.
        Fx.Import("basemode-current.json").SaveTo(_store);
        var json = """
            {"version": 1, "nodes": [
              {"id": "f0000000000000000000000000000001", "parent_id": null, "tree_id": "f0000000000000000000000000000001", "kind": "root", "text": "Other root.", "created_at": "2026-01-01T00:00:00.000000Z"},
              {"id": "a0000000000000000000000000000002", "parent_id": "f0000000000000000000000000000001", "tree_id": "f0000000000000000000000000000001", "kind": "text", "text": " Reused id.", "created_at": "2026-01-01T00:00:01.000000Z"}
            ]}
            """;
        var saved = Fx.ImportText(json).SaveTo(_store);
        Assert.Equal("f0000000000000000000000000000001", saved.Tree.Id);
        var child = saved.Nodes.Single(n => n.Text == " Reused id.");
        Assert.NotEqual("a0000000000000000000000000000002", child.Id);
        Assert.Equal(" Seven today.", _store.GetNode("a0000000000000000000000000000002").Text);
        Assert.Equal(" Reused id.", _store.GetNode(child.Id).Text);
    }

    [Fact]
    public void A_failing_import_leaves_the_store_unchanged()
    {
        var trees = Fx.ImportAll("loomsidian-data.json");
        // A second tree that cannot be inserted (its node names a parent that does not exist).
        var broken = trees[1].Renamed(new Dictionary<string, string> { [trees[1].Root.Id] = "0123456789abcdef0123456789abcdef" });
        var brokenNodes = broken.Nodes.Select(n => n.ParentId == "0123456789abcdef0123456789abcdef" ? n with { ParentId = "ffffffffffffffffffffffffffffffff" } : n).ToList();
        var bad = new ImportedTree(broken.Tree, brokenNodes, broken.Format, broken.SourceFile, broken.SourcePart, broken.Warnings);
        Assert.ThrowsAny<Exception>(() => ImportedTree.SaveAll(new[] { trees[0], bad }, _store));
        Assert.Empty(_store.ListTrees());
        Assert.Null(_store.TryGetNode(trees[0].Root.Id));
    }

    [Fact]
    public void Export_reads_the_store_without_recursion_on_a_deep_chain()
    {
        const int depth = 20_000;
        var sb = new StringBuilder("[");
        // A socketteer bare array holding one deep chain.
        for (var i = 0; i < depth; i++)
        {
            sb.Append("{\"text\": \"s").Append(i).Append(" \", \"children\": [");
        }
        sb.Append(']');
        for (var i = 0; i < depth - 1; i++)
        {
            sb.Append("}]");
        }
        sb.Append("}]");
        var saved = Fx.ImportText(sb.ToString()).SaveTo(_store);
        var md = new MemoryStream();
        LoomExporter.Export(_store, saved.Tree.Id, LoomFormat.Markdown, md);
        Assert.EndsWith("s19999 \n", Encoding.UTF8.GetString(md.ToArray()));
    }
}
