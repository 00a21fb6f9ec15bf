using System.Text;
using System.Text.Json;
using Loom.Core.Formats;
using Loom.Formats.Tests.Support;

namespace Loom.Formats.Tests;

public class RoundTripTests
{
    public static TheoryData<string> Fixtures => new()
    {
        "basemode-current.json", "basemode-older.json", "socketteer-full.json", "socketteer-subtree.json",
        "socketteer-simple.json", "socketteer-array.json", "socketteer.jsonl", "socketteer-old-2021.json",
        "loomsidian-data.json", "loomsidian-note.json", "exoloom.json", "miniloom.json", "bonsai.json",
        "damask.json", "tinyloom.json", "loom-handwritten.json", "tapestry-legacy.md", "tapestry-legacy-compressed.md",
    };

    private static ImportedTree Reimport(string exported, string label = "roundtrip.json") =>
        Assert.Single(LoomImporter.Import(Encoding.UTF8.GetBytes(exported), label, Fx.Options()));

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Loom_json_is_lossless(string fixture)
    {
        foreach (var original in Fx.ImportAll(fixture))
        {
            var first = LoomExporter.ExportToString(Fx.Snap(original), LoomFormat.Loom);
            var again = Reimport(first, Fx.Path(fixture));
            Assert.Equal(LoomFormat.Loom, again.Format);
            Assert.Equal(Describe(original, skipImport: true), Describe(again, skipImport: true));
            // Exporting the re-imported tree gives the same bytes, except for the import record.
            var second = LoomExporter.ExportToString(Fx.Snap(again), LoomFormat.Loom);
            Assert.Equal(StripImport(first), StripImport(second));
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Basemode_round_trip_keeps_ids_texts_models_bookmarks_and_selection(string fixture)
    {
        foreach (var original in Fx.ImportAll(fixture))
        {
            var json = LoomExporter.ExportToString(Fx.Snap(original), LoomFormat.Basemode);
            var again = Reimport(json);
            Assert.Equal(LoomFormat.Basemode, again.Format);
            Assert.Equal(Fx.Shape(Fx.Snap(original), withModels: true, flags: true), Fx.Shape(Fx.Snap(again), withModels: true, flags: true));
            Assert.Equal(original.Nodes.Select(n => n.Id).Order(), again.Nodes.Select(n => n.Id).Order());
            Assert.Equal(original.Context?.Text, again.Context?.Text);
            foreach (var n in original.Nodes)
            {
                var m = again.Nodes.Single(x => x.Id == n.Id);
                Assert.Equal(n.Metadata.ToJson(), m.Metadata.ToJson());
                Assert.Equal(n.CreatedAt, m.CreatedAt);
                Assert.Equal((n.Strategy, n.MaxTokens, n.Temperature, n.ContextId), (m.Strategy, m.MaxTokens, m.Temperature, m.ContextId));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Socketteer_round_trip_keeps_texts_models_bookmarks_and_current_path(string fixture)
    {
        foreach (var original in Fx.ImportAll(fixture))
        {
            var json = LoomExporter.ExportToString(Fx.Snap(original), LoomFormat.Socketteer);
            var again = Reimport(json);
            Assert.Equal(LoomFormat.Socketteer, again.Format);
            Assert.Equal(Fx.Shape(Fx.Snap(original), withModels: true), Fx.Shape(Fx.Snap(again), withModels: true));
            Assert.Equal(original.Nodes.Where(n => n.Kind != Core.Tree.NodeKind.Context).Select(n => n.Id).Order(), again.Nodes.Select(n => n.Id).Order());
        }
    }

    [Fact]
    public void Importing_an_export_twice_into_one_store_gives_a_second_identical_tree_with_new_ids()
    {
        using var store = new MemoryStore();
        var original = Fx.Import("basemode-current.json").SaveTo(store);
        var exported = new MemoryStream();
        LoomExporter.Export(store, original.Tree.Id, LoomFormat.Loom, exported);
        var copy = Reimport(Encoding.UTF8.GetString(exported.ToArray())).SaveTo(store);
        Assert.NotEqual(original.Tree.Id, copy.Tree.Id);
        Assert.Equal(2, store.TreeCount);
        Assert.Equal(Fx.Shape(TreeSnapshot.FromStore(store, original.Tree.Id), true), Fx.Shape(TreeSnapshot.FromStore(store, copy.Tree.Id), true));
        Assert.All(copy.Nodes, n => Assert.NotNull(n.Metadata.GetString("source_id")));
        Assert.Equal(copy.Root.ContextId, copy.Context!.Id);
    }

    [Fact]
    public void Saved_tree_reads_back_from_the_store_exactly()
    {
        using var store = new MemoryStore();
        var saved = Fx.Import("loom-handwritten.json").SaveTo(store);
        var fromStore = TreeSnapshot.FromStore(store, saved.Tree.Id);
        Assert.Equal(LoomExporter.ExportToString(Fx.Snap(saved), LoomFormat.Loom), LoomExporter.ExportToString(fromStore, LoomFormat.Loom));
    }

    [Fact]
    public void A_100000_deep_chain_exports_and_reimports_in_every_json_format()
    {
        const int depth = 100_000;
        var sb = new StringBuilder("{\"version\": 1, \"nodes\": [");
        for (var i = 0; i < depth; i++)
        {
            sb.Append(i == 0 ? "" : ",").Append("{\"id\": \"").Append(i.ToString("x32")).Append("\", \"parent_id\": ")
              .Append(i == 0 ? "null" : $"\"{(i - 1).ToString("x32")}\"").Append(", \"tree_id\": \"").Append(0.ToString("x32"))
              .Append("\", \"text\": \"w").Append(i % 10).Append(" \", \"checked_out\": true, \"created_at\": \"2026-01-01T00:00:00.000000Z\"}");
        }
        sb.Append("]}");
        var original = Reimport(sb.ToString());
        foreach (var format in new[] { LoomFormat.Loom, LoomFormat.Basemode, LoomFormat.Socketteer })
        {
            var again = Reimport(LoomExporter.ExportToString(Fx.Snap(original), format));
            Assert.Equal(depth, again.Nodes.Count);
            Assert.Equal(Fx.Snap(original).PathText(original.Tree.CurrentNodeId!), Fx.Snap(again).PathText(again.Tree.CurrentNodeId!));
        }
    }

    private static string Describe(ImportedTree t, bool skipImport)
    {
        var tree = t.Tree;
        var meta = skipImport ? tree.Metadata.Without("import") : tree.Metadata;
        var sb = new StringBuilder();
        sb.Append(JsonSerializer.Serialize(new
        {
            tree.Id, tree.CurrentNodeId, tree.Name, tree.ShowModelNames, tree.RewindSplitTokens,
            Plan = tree.ModelPlan, tree.CreatedAt, tree.UpdatedAt, Meta = meta.ToJson(), tree.Archived,
        })).Append('\n');
        foreach (var n in t.Nodes.OrderBy(n => n.Id, StringComparer.Ordinal))
        {
            sb.Append(JsonSerializer.Serialize(n with { Metadata = Core.Tree.NodeMetadata.Empty })).Append(n.Metadata.ToJson()).Append('\n');
        }
        return sb.ToString();
    }

    private static string StripImport(string loomJson)
    {
        var doc = System.Text.Json.Nodes.JsonNode.Parse(loomJson)!;
        doc["tree"]!["metadata"]!.AsObject().Remove("import");
        return doc.ToJsonString();
    }
}
