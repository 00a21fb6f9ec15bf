using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Requests_before_initialize_get_32002()
    {
        await using var f = await ServerFixture.StartAsync(initialize: false);
        await RpcAssert.ErrorAsync(-32002, () => f.Client.RequestAsync("loom/trees", new { }));
        await f.InitializeAsync();
        var trees = await f.Client.RequestAsync("loom/trees", new { });
        Assert.Equal(JsonValueKind.Array, trees.ValueKind);
    }

    [Fact]
    public async Task Initialize_announces_capabilities_commands_and_encoding()
    {
        await using var f = await ServerFixture.StartAsync(initialize: false);
        var result = await f.InitializeAsync();
        var caps = result.GetProperty("capabilities");
        Assert.Equal("utf-16", caps.GetProperty("positionEncoding").GetString());
        Assert.Equal(2, caps.GetProperty("textDocumentSync").GetProperty("change").GetInt32());
        var commands = caps.GetProperty("executeCommandProvider").GetProperty("commands").EnumerateArray().Select(c => c.GetString()).ToList();
        foreach (var name in new[] { "loom.attach", "loom.generate", "loom.cancel", "loom.navigateChild", "loom.navigateParent", "loom.selectSibling",
                     "loom.navigateTo", "loom.toggleBookmark", "loom.nextBookmark", "loom.toggleTreeView", "loom.toggleModelNames", "loom.toggleHoist",
                     "loom.setModel", "loom.setMaxTokens", "loom.setBranches", "loom.setContext", "loom.setModelPlan", "loom.deleteNode", "loom.save",
                     "loom.setApiKey", "loom.import", "loom.export" })
        {
            Assert.Contains(name, commands);
        }
        var legend = caps.GetProperty("semanticTokensProvider").GetProperty("legend").GetProperty("tokenTypes").EnumerateArray().Select(t => t.GetString());
        Assert.Equal(new[] { "human", "model", "edited" }, legend);
        Assert.Equal("loom-language-server", result.GetProperty("serverInfo").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-32")]
    public async Task Position_encoding_is_negotiated(string encoding)
    {
        await using var f = await ServerFixture.StartAsync(initialize: false);
        var result = await f.InitializeAsync(new { general = new { positionEncodings = new[] { encoding } } });
        Assert.Equal(encoding, result.GetProperty("capabilities").GetProperty("positionEncoding").GetString());
    }

    [Fact]
    public async Task Unknown_method_gets_32601_and_the_server_keeps_running()
    {
        await using var f = await ServerFixture.StartAsync();
        await RpcAssert.ErrorAsync(-32601, () => f.Client.RequestAsync("loom/doesNotExist", new { }));
        await f.Client.RequestAsync("loom/trees", new { });
    }

    [Fact]
    public async Task Bad_params_get_32602_naming_the_field()
    {
        await using var f = await ServerFixture.StartAsync();
        var message = await RpcAssert.ErrorAsync(-32602, () => f.Client.RequestAsync("loom/state", new { }));
        Assert.Contains("'uri'", message);
        message = await RpcAssert.ErrorAsync(-32602, () => f.Client.RequestAsync("textDocument/hover",
            new { textDocument = new { uri = "file:///x.loom" }, position = new { line = "a", character = 0 } }));
        Assert.Contains("position.line", message);
        message = await RpcAssert.ErrorAsync(-32602, () => f.Client.RequestAsync("loom/state", new { uri = "file:///nothing-open.loom" }));
        Assert.Contains("uri", message);
        message = await RpcAssert.ErrorAsync(-32602, () => f.Client.CommandAsync("loom.noSuchCommand", new { }));
        Assert.Contains("command", message);
    }

    [Fact]
    public async Task Shutdown_then_exit_exits_0()
    {
        await using var f = await ServerFixture.StartAsync();
        Assert.Equal(0, await f.ShutdownAndExitAsync());
    }

    [Fact]
    public async Task Exit_without_shutdown_exits_1()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.Client.NotifyAsync("exit", null);
        Assert.Equal(1, await f.Run.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Requests_after_shutdown_are_refused()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.Client.RequestAsync<JsonElement?>("shutdown", null);
        await RpcAssert.ErrorAsync(-32600, () => f.Client.RequestAsync("loom/trees", new { }));
        await f.Client.NotifyAsync("exit", null);
        Assert.Equal(0, await f.Run.WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
