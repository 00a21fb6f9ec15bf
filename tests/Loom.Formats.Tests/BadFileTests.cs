using System.Text;
using Loom.Core.Formats;
using Loom.Formats.Tests.Support;

namespace Loom.Formats.Tests;

public class BadFileTests
{
    [Theory]
    [InlineData("bad-not-json.txt", "not valid JSON at line 1, column 1")]
    [InlineData("bad-truncated.json", "unexpected end of file")]
    [InlineData("bad-wrong-shape.json", "not a loom format Loom knows (it is an object with keys 'hello', 'numbers')")]
    [InlineData("bad-missing-id.json", "node #2 has no id")]
    [InlineData("bad-duplicate-id.json", "two nodes have the id 'e0000000000000000000000000000002' (nodes #2 and #3)")]
    [InlineData("bad-cycle.json", "the parent links form a cycle (2 nodes)")]
    [InlineData("bad-dangling-parent.json", "names a parent 'e00000000000000000000000000000ff' that is not in the file")]
    [InlineData("bad-text-number.json", "node 'n1': 'text' is a number, not a string")]
    [InlineData("bad-loomsidian-cycle.json", "cycle")]
    [InlineData("tapestry-native.tapestry", "native Tapestry Loom weave")]
    public void Bad_files_give_a_clear_error_naming_the_file(string fixture, string problem)
    {
        var path = Fx.Path(fixture);
        var e = Assert.Throws<LoomImportException>(() => LoomImporter.ImportFile(path, Fx.Options()));
        Assert.Equal(path, e.Path);
        Assert.StartsWith($"cannot import '{path}': ", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void Missing_file_and_directory()
    {
        var e = Assert.Throws<LoomImportException>(() => LoomImporter.ImportFile("/nonexistent/tree.json"));
        Assert.Contains("no such file", e.Message);
        e = Assert.Throws<LoomImportException>(() => LoomImporter.ImportFile(Path.GetTempPath()));
        Assert.Contains("directory", e.Message);
    }

    [Fact]
    public void Empty_file()
    {
        var path = Path.GetTempFileName();
        try
        {
            var e = Assert.Throws<LoomImportException>(() => LoomImporter.ImportFile(path));
            Assert.Contains("the file is empty", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_100_MB_file_is_refused_before_it_is_read()
    {
        var path = Path.Combine(Path.GetTempPath(), $"loom-big-{Guid.NewGuid():N}.json");
        using (var f = File.Create(path))
        {
            f.SetLength(100L * 1000 * 1000); // sparse: costs no disk
        }
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<LoomImportException>(() => LoomImporter.ImportFile(path));
            Assert.Contains("the file is 95.4 MiB, larger than the import limit of 64 MiB", e.Message);
            Assert.True(started.ElapsedMilliseconds < 5000); // refused from the size alone, never read
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Export_formats_cannot_be_imported()
    {
        var e = Assert.Throws<LoomImportException>(() => Fx.ImportAll("basemode-current.json", LoomFormat.Markdown));
        Assert.Contains("is an export format", e.Message);
        var text = Assert.Single(Fx.ImportAll("bad-not-json.txt", LoomFormat.Text));
        Assert.Equal("This is a plain note, not JSON at all.\n", text.Root.Text);
        e = Assert.Throws<LoomImportException>(() => Fx.ImportAll("tapestry-native.tapestry", LoomFormat.Text));
        Assert.Contains("native Tapestry", e.Message);
    }

    [Theory]
    [InlineData("""{"version": 1, "nodes": [{"id": "x", "parent_id": null, "tree_id": "x", "text": {"a": 1}}]}""", "'text' is an object, not a string")]
    [InlineData("""{"version": 1, "nodes": [{"id": "x", "parent_id": null, "tree_id": "x", "text": true}]}""", "'text' is a boolean, not a string")]
    [InlineData("""{"version": 1, "nodes": [1, 2]}""", "node #1 should be an object but is a number")]
    [InlineData("""{"version": 1, "nodes": [{"id": ["x"], "parent_id": null, "tree_id": "x"}]}""", "'id' is an array, not an id")]
    [InlineData("""{"root": {"id": "r", "text": "", "children": {"a": 1}}}""", "'children' is an object, not an array")]
    [InlineData("""{"loomType": "Exoloom", "tree": {"rootNodeId": 5, "nodes": {}}}""", "the root node 5 is not in 'tree.nodes'")]
    [InlineData("""{"loomTree": {"nodeStore": {"1": {"parent": null, "patch": ""}, "2": {"parent": "9", "patch": ""}}}}""", "names a parent '9' that is not in the file")]
    [InlineData("""{"loomTree": {"nodeStore": {"1": {"parent": null, "patch": 5}}}}""", "'patch' is a number")]
    [InlineData("""{"loomTree": {"nodeStore": {"1": {"parent": null, "patch": [{"diffs": [[7, "x"]]}]}}}}""", "op -1, 0 or 1")]
    [InlineData("""{"state": {"a.md": {"current": "x", "nodes": {"x": {"text": 3, "parentId": null}}}}}""", "node 'x': 'text' is a number")]
    [InlineData("""{"format": "loom", "version": 1, "tree": {"id": "r"}, "nodes": []}""", "the file has no nodes")]
    [InlineData("""{"version": 1, "nodes": []}""", "not a loom format")]
    [InlineData("[1, 2]", "item #1 of the top-level array should be an object")]
    [InlineData("42", "it is a number")]
    public void Wrong_shapes_name_the_field(string json, string problem)
    {
        var e = Assert.Throws<LoomImportException>(() => LoomImporter.Import(Encoding.UTF8.GetBytes(json), "shape.json", Fx.Options()));
        Assert.Contains(problem, e.Message);
        Assert.Equal("shape.json", e.Path);
    }

    [Fact]
    public void A_cycle_of_100000_nodes_is_reported_without_overflowing_the_stack()
    {
        const int n = 100_000;
        var sb = new StringBuilder("{\"version\": 1, \"nodes\": [");
        sb.Append("{\"id\": \"root\", \"parent_id\": null, \"tree_id\": \"root\", \"kind\": \"root\", \"text\": \"R\"}");
        for (var i = 0; i < n; i++)
        {
            sb.Append(",{\"id\": \"c").Append(i).Append("\", \"parent_id\": \"c").Append((i + 1) % n).Append("\", \"tree_id\": \"root\", \"text\": \"x\"}");
        }
        sb.Append("]}");
        var e = Assert.Throws<LoomImportException>(() => LoomImporter.Import(Encoding.UTF8.GetBytes(sb.ToString()), "cycle.json", Fx.Options()));
        Assert.Contains($"the parent links form a cycle ({n} nodes)", e.Message);
    }

    [Fact]
    public void A_flat_chain_of_100000_nodes_imports()
    {
        const int n = 100_000;
        var sb = new StringBuilder("{\"version\": 1, \"nodes\": [");
        sb.Append("{\"id\": \"c0\", \"parent_id\": null, \"tree_id\": \"c0\", \"kind\": \"root\", \"text\": \"R\"}");
        for (var i = 1; i < n; i++)
        {
            sb.Append(",{\"id\": \"c").Append(i).Append("\", \"parent_id\": \"c").Append(i - 1).Append("\", \"tree_id\": \"c0\", \"text\": \"x\", \"checked_out\": true}");
        }
        sb.Append("]}");
        var t = Assert.Single(LoomImporter.Import(Encoding.UTF8.GetBytes(sb.ToString()), "chain.json", Fx.Options()));
        Assert.Equal(n, t.Nodes.Count);
        Assert.Equal("c99999", t.Nodes.Single(x => x.Id == t.Tree.CurrentNodeId).Metadata.GetString("source_id"));
    }

    [Fact]
    public void Nothing_is_half_imported_when_the_store_fails_mid_way()
    {
        var trees = Fx.ImportAll("loomsidian-data.json");
        using var store = new MemoryStore { FailAfterInserts = 6 };
        Assert.ThrowsAny<Exception>(() => ImportedTree.SaveAll(trees, store));
        Assert.Equal(0, store.TreeCount);
        Assert.Equal(0, store.NodeCount);
        store.FailAfterInserts = null;
        ImportedTree.SaveAll(trees, store);
        Assert.Equal(2, store.TreeCount);
    }
}
