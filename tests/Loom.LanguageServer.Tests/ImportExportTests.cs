using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

public sealed class ImportExportTests
{
    private const string Uri = "file:///tmp/export-me.loom";

    [Fact]
    public async Task Export_then_import_makes_a_bound_loom_file_that_opens_silently()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, "Exported story");
        var gen = await f.Client.CommandAsync("loom.generate", new { uri = Uri, branches = 2, maxTokens = 4 });
        await f.Client.CommandAsync("loom.navigateChild", new { uri = Uri, index = 1 });
        var dir = Path.Combine(Path.GetTempPath(), "loom-ls-export", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, "story.json");
            var exported = await f.Client.CommandAsync("loom.export", new { uri = Uri, format = "loom", path });
            Assert.Equal(path, exported.GetProperty("path").GetString());
            Assert.True(File.Exists(path));

            var imported = await f.Client.CommandAsync("loom.import", new { path });
            var treeId = imported.GetProperty("treeId").GetString()!;
            Assert.NotEqual(gen.GetProperty("treeId").GetString(), treeId);
            Assert.Equal(3, f.Store.GetTreeNodes(treeId).Count);
            var uri = imported.GetProperty("uri").GetString()!;
            var file = new System.Uri(uri).LocalPath;
            Assert.Equal(Path.Combine(dir, "story.loom"), file);
            var text = await File.ReadAllTextAsync(file);
            var state = await f.OpenLoomAsync(uri, text);
            Assert.Equal(treeId, state.GetProperty("treeId").GetString());
            Assert.Equal(text, state.GetProperty("fullText").GetString());
            Assert.Equal(3, f.Store.GetTreeNodes(treeId).Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task Bad_formats_and_files_are_refused()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.OpenLoomAsync(Uri, "x");
        Assert.Contains("format", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.export", new { uri = Uri, format = "docx", path = "/tmp/x.docx" })));
        Assert.Contains("format", await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.import", new { path = "/tmp/x", format = "docx" })));
        Assert.Contains("no such file", await RpcAssert.ErrorAsync(-32803, () => f.Client.CommandAsync("loom.import", new { path = "/tmp/definitely-not-here.json" })));
    }
}
