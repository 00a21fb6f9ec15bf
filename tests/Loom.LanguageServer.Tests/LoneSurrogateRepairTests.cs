using System.Text.Json;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Tests;

public sealed class LoneSurrogateRepairTests
{
    [Theory]
    [InlineData("\"a\\ud800b\"", "a\ufffdb", new[] { 1 })]
    [InlineData("\"\\udc00start\"", "\ufffdstart", new[] { 0 })]
    [InlineData("\"end\\ud83e\"", "end\ufffd", new[] { 3 })]
    [InlineData("\"pair \\ud83e\\uddf5 kept, \\udc00\\ud800 reversed\"", "pair 🧵 kept, \ufffd\ufffd reversed", new[] { 14, 15 })]
    [InlineData("\"escapes \\\" \\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud800\"", "escapes \" \\ / \b\f\n\r\t é \ufffd", new[] { 22 })]
    [InlineData("\"not an escape: \\\\ud800\"", "not an escape: \\ud800", new int[0])]
    public void Lone_surrogates_become_U_FFFD_at_the_same_offsets_and_everything_else_decodes_as_JSON(string json, string expected, int[] replaced)
    {
        using var doc = JsonDocument.Parse(json);
        var text = LoneSurrogateRepair.Read(doc.RootElement);
        Assert.Equal(expected, text.Text);
        Assert.Equal(replaced, text.Replaced);
        Assert.Equal(replaced.Length > 0, text.WasRepaired);
    }

    [Fact]
    public void A_well_formed_string_is_read_as_it_is()
    {
        using var doc = JsonDocument.Parse("\"🧵 e\\u0301 \\uFFFD\"");
        var text = LoneSurrogateRepair.Read(doc.RootElement);
        Assert.Equal("🧵 e\u0301 \uFFFD", text.Text);
        Assert.False(text.WasRepaired);
    }
}
