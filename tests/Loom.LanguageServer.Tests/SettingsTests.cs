using System.Text.Json.Nodes;
using Loom.LanguageServer.Settings;
using Loom.LanguageServer.Tests.Harness;

namespace Loom.LanguageServer.Tests;

public sealed class SettingsTests
{
    [Fact]
    public void Later_sources_win_field_by_field_and_objects_merge()
    {
        var merger = new SettingsMerger();
        merger.Merge(JsonNode.Parse("""{"model":"a/b","maxTokens":10,"providers":{"mylab":{"kind":"completions","baseUrl":"http://127.0.0.1:8000/v1"}}}"""));
        merger.Merge(JsonNode.Parse("""{"branches":4,"providers":{"mylab":{"strategy":"system"}}}"""));
        var warnings = merger.Merge(JsonNode.Parse("""{"model":"c/d","temperature":5}"""));
        var s = merger.Current;
        Assert.Equal("c/d", s.Model);
        Assert.Equal(10, s.MaxTokens);
        Assert.Equal(4, s.Branches);
        Assert.Null(s.Temperature);
        Assert.Contains(warnings, w => w.Contains("temperature"));
        var mylab = (JsonObject)s.Providers["mylab"]!;
        Assert.Equal("completions", mylab["kind"]!.GetValue<string>());
        Assert.Equal("system", mylab["strategy"]!.GetValue<string>());
    }

    [Fact]
    public void An_api_key_in_settings_is_dropped_with_a_warning()
    {
        var merger = new SettingsMerger();
        var warnings = merger.Merge(JsonNode.Parse("""{"providers":{"openai":{"apiKey":"sk-should-not-travel","kind":"chat"}}}"""));
        Assert.Contains(warnings, w => w.Contains("apiKeyEnv") && w.Contains("loom.setApiKey") && !w.Contains("sk-should"));
        Assert.False(((JsonObject)merger.Current.Providers["openai"]!).ContainsKey("apiKey"));
    }

    [Fact]
    public async Task InitializationOptions_then_configuration_then_didChangeConfiguration_set_new_tree_defaults()
    {
        var generators = new TestGenerators();
        await using var f = await ServerFixture.StartAsync(initialize: false, generators: generators.Factory);
        f.Client.Configuration = new JsonObject { ["model"] = "offline/markov-slow", ["branches"] = 5 };
        await f.InitializeAsync(initializationOptions: new { model = "offline/markov", maxTokens = 12, branches = 2 });
        await f.Client.WaitForAsync("window/logMessage", m => m.GetProperty("message").GetString() == "settings merged from workspace/configuration");
        var a = await f.OpenLoomAsync("file:///tmp/a.loom", "a");
        Assert.Equal("offline/markov-slow", a.GetProperty("model").GetString());
        Assert.Equal(12, a.GetProperty("maxTokens").GetInt32());
        Assert.Equal(5, a.GetProperty("nBranches").GetInt32());

        await f.Client.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { loom = new { model = TestGenerators.Scripted, temperature = 0.3 } } });
        var b = await f.OpenLoomAsync("file:///tmp/b.loom", "b");
        Assert.Equal(TestGenerators.Scripted, b.GetProperty("model").GetString());
        Assert.Equal(0.3, b.GetProperty("temperature").GetDouble());
        Assert.Equal(12, b.GetProperty("maxTokens").GetInt32());
        // A tree keeps its own settings.
        var again = await f.StateAsync("file:///tmp/a.loom");
        Assert.Equal("offline/markov-slow", again.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Without_a_model_new_trees_use_the_offline_model_and_one_message_says_how_to_choose()
    {
        await using var f = await ServerFixture.StartAsync(initialize: false);
        await f.Client.RequestAsync("initialize", new { capabilities = new { } });
        await f.Client.NotifyAsync("initialized", new { });
        await f.Client.WaitForAsync("window/logMessage", m => m.GetProperty("message").GetString()!.Contains("no model set"));
        var state = await f.OpenLoomAsync("file:///tmp/c.loom", "c");
        var keys = new[] { "OPENAI_API_KEY", "OPENROUTER_API_KEY", "TOGETHER_API_KEY", "FIREWORKS_API_KEY", "DEEPSEEK_API_KEY", "ANTHROPIC_API_KEY" };
        if (keys.All(k => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(k))))
        {
            Assert.Equal("offline/markov", state.GetProperty("model").GetString());
        }
    }
}
