using System.Text;
using Loom.Core.Formats;
using Loom.Core.Formats.Json;
using Loom.Formats.Tests.Support;

namespace Loom.Formats.Tests;

public class TapestryLegacyTests
{
    [Theory]
    [InlineData("tapestry-legacy.md")]
    [InlineData("tapestry-legacy-compressed.md")]
    public void Reads_the_weave_from_the_front_matter(string fixture)
    {
        var t = Fx.Import(fixture);
        Assert.Equal(LoomFormat.TapestryLegacy, t.Format);
        Assert.Equal("The keeper's log <day 3>:", t.Root.Text);
        // nodeChildren order: N3 before N2.
        Assert.Equal(new[] { " None came back.", " Seven gulls." }, Fx.ChildrenOf(t, t.Root).Select(n => n.Text));
        var seven = Fx.ByText(t, " Seven gulls.");
        Assert.True(seven.IsBookmarked);
        Assert.Equal("example-base-7b", seven.Model);
        Assert.Equal(2, seven.Metadata.Get("source_token_probabilities")!.AsArray().Count);
        Assert.Equal("0.9", seven.Metadata.Get("parameters")!["temperature"]!.GetValue<string>());
        Assert.Equal(Fx.ByText(t, " He wrote it down.").Id, t.Tree.CurrentNodeId);
        Assert.Equal("01HQ00000000000000000000N2", seven.Metadata.GetString("source_id"));
        Assert.Equal("01HQ00000000000000000000AA", t.Tree.Metadata.GetString("tapestry_identifier"));
    }

    [Fact]
    public void Double_quoted_and_block_scalars()
    {
        var literal = "{\"nodes\":new Map([[\"a\",{\"content\":\"Hi \\\"there\\\"\"}]]),\"currentNode\":\"a\"}";
        var doubleQuoted = "---\nTapestryLoomWeave: \"" + literal.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"\n---\nbody\n";
        var t = Assert.Single(LoomImporter.Import(Encoding.UTF8.GetBytes(doubleQuoted), "note.md", Fx.Options()));
        Assert.Equal("Hi \"there\"", t.Root.Text);
        var block = "---\nTapestryLoomWeave: |\n  " + literal + "\n---\n";
        t = Assert.Single(LoomImporter.Import(Encoding.UTF8.GetBytes(block), "note.md", Fx.Options()));
        Assert.Equal("Hi \"there\"", t.Root.Text);
    }

    [Theory]
    [InlineData("---\nTapestryLoomWeave: '{\"nodes\": 5}'\n---\n", "'nodes' should be a Map but is a number")]
    [InlineData("---\nTapestryLoomWeaveCompressed: bm90IHpsaWI=\n---\n", "does not inflate")]
    [InlineData("---\nTapestryLoomWeave: '{\"nodes\": new Map([[\"a\", {\"content\": 1}]])}'\n---\n", "'content' is a number")]
    [InlineData("---\nTapestryLoomWeave: '{oops'\n---\n", "cannot be read")]
    [InlineData("---\nTapestryLoomWeave: '{}'\n", "never closed")]
    public void Broken_weaves_are_refused_clearly(string note, string problem)
    {
        var e = Assert.Throws<LoomImportException>(() => LoomImporter.Import(Encoding.UTF8.GetBytes(note), "note.md", Fx.Options()));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void JavaScript_literals_parse_as_arrays_strings_and_null()
    {
        var v = (JObj)TolerantJson.ParseJavaScriptLiteral("{\"m\": new Map([[1, new Set([2, 3])]]), \"e\": new Set(), \"d\": new Date(\"2024-01-01\"), \"u\": undefined}"u8);
        Assert.Equal(3, ((JNum)((JArr)((JArr)((JArr)v["m"]!)[0])[1])[1]).Value);
        Assert.Equal(0, ((JArr)v["e"]!).Count);
        Assert.Equal("2024-01-01", v.Str("d"));
        Assert.IsType<JNull>(v["u"]);
        Assert.Throws<TolerantJsonException>(() => TolerantJson.Parse("{\"m\": new Map([])}"u8));
    }
}
