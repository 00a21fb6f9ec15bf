using System.Text.Json.Nodes;
using Loom.Core.Generation;
using Loom.Core.Providers;
using Loom.Testing.Fakes;
using static Loom.Providers.Tests.TestSupport;

namespace Loom.Providers.Tests;

public sealed class KeyAndConfigTests : IAsyncLifetime
{
    private readonly FakeOpenAiServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task No_key_appears_in_errors_or_log_lines_after_failing_runs()
    {
        var failures = new FakeBehavior[]
        {
            new() { Status = 401, EchoKeyInError = true },
            new() { Status = 403, EchoKeyInError = true },
            new() { Status = 500, EchoKeyInError = true },
            new() { Status = 429, RetryAfter = "1", EchoKeyInError = true },
            new() { Status = 400, ErrorBody = "{\"error\":{\"message\":\"bad key " + Key[..20] + "...\"}}" },
            new() { MalformedAfter = 1 },
            new() { ResetAfter = 2 },
            new() { StreamErrorAfter = 1, StreamErrorType = "authentication_error" },
            new() { Tokens = 0 },
        };
        var log = new List<string>();
        var texts = new List<string>();
        foreach (var behavior in failures)
        {
            _server.Behavior = behavior;
            foreach (var model in new[] { "fake/model-a", "fakechat/model-b", "fakeanthropic/model-a" })
            {
                var e = await Registry(_server, log: log).Resolve(model).FailsAsync(Request(model));
                texts.Add(e.ToString());
                texts.Add(e.Message);
            }
        }

        // Config failures too: a key that would have to travel over plain http.
        var env = new Dictionary<string, string?> { ["K"] = Key };
        var remote = new ProviderRegistry(new Dictionary<string, ProviderConfig> { ["r"] = Provider("r", "chat", "http://192.0.2.1/v1", "K") },
            new ApiKeyStore(n => env.GetValueOrDefault(n)), environment: n => env.GetValueOrDefault(n));
        texts.Add(Assert.Throws<GenerationException>(() => remote.Resolve("r/m")).ToString());

        Assert.NotEmpty(log);
        Assert.Contains(_server.Requests, r => r.Header("Authorization") == "Bearer " + Key); // the key did travel to the loopback fake
        foreach (var text in texts.Concat(log))
        {
            Assert.DoesNotContain(Key, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Key[..12], text, StringComparison.Ordinal);
            Assert.DoesNotContain(Key[^12..], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Redaction_removes_the_key_and_pieces_of_it()
    {
        Assert.Equal("key *** here", ProviderContext.Redact("key " + Key + " here", Key));
        Assert.Equal("masked ***...***", ProviderContext.Redact("masked " + Key[..10] + "..." + Key[^9..], Key));
        Assert.Equal("nothing sk-loom to hide", ProviderContext.Redact("nothing sk-loom to hide", Key));
    }

    [Fact]
    public void An_apiKey_setting_is_ignored_with_one_warning_naming_both_ways_in()
    {
        var warnings = new List<string>();
        var config = ProviderConfig.Parse("mylab", Json("""
            {"kind": "completions", "baseUrl": "http://127.0.0.1:8000/v1/", "apiKeyEnv": "MYLAB_API_KEY", "apiKey": "sk-should-never-show-1234",
             "headers": {"X-Team": "loom"}, "strategy": "system", "timeoutSeconds": 12.5,
             "prices": {"llama-70b": {"prompt": 0.6, "completion": 0.8}}}
            """), warnings);
        var warning = Assert.Single(warnings);
        Assert.Contains("apiKeyEnv", warning, StringComparison.Ordinal);
        Assert.Contains("loom.setApiKey", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-should-never-show", warning, StringComparison.Ordinal);
        Assert.Equal("completions", config.Kind);
        Assert.Equal("http://127.0.0.1:8000/v1", config.BaseUrl);
        Assert.Equal("MYLAB_API_KEY", config.ApiKeyEnv);
        Assert.Equal("loom", config.Headers["X-Team"]);
        Assert.Equal("system", config.Strategy);
        Assert.Equal(12.5, config.TimeoutSeconds);
        Assert.Equal(new ModelPrice(0.6, 0.8), config.Prices["llama-70b"]);
        Assert.DoesNotContain("sk-should-never-show", config.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_fields_become_warnings_not_exceptions()
    {
        var warnings = new List<string>();
        var config = ProviderConfig.Parse("x", Json("""
            {"kind": "telepathy", "baseUrl": "not a url", "strategy": "guess", "timeoutSeconds": -1, "prices": {"m": {"prompt": "free"}},
             "headers": {"Authorization": "Bearer nope", "X-Ok": "1"}, "colour": "blue"}
            """), warnings);
        Assert.Equal(7, warnings.Count);
        Assert.Equal(string.Empty, config.Kind);
        Assert.Null(config.BaseUrl);
        Assert.Null(config.Strategy);
        Assert.Null(config.TimeoutSeconds);
        Assert.Empty(config.Prices);
        Assert.Equal(["X-Ok"], config.Headers.Keys);
    }

    [Fact]
    public void A_user_entry_overrides_its_preset_field_by_field()
    {
        var warnings = new List<string>();
        var user = ProviderConfig.Parse("openai", Json("""{"baseUrl": "https://proxy.example/v1", "prices": {"my-model": {"prompt": 1, "completion": 2}}}"""), warnings);
        var merged = ProviderConfig.Merge(ProviderRegistry.Presets["openai"], user);
        Assert.Equal("chat", merged.Kind);
        Assert.Equal("https://proxy.example/v1", merged.BaseUrl);
        Assert.Equal("OPENAI_API_KEY", merged.ApiKeyEnv);
        Assert.Equal(new ModelPrice(1, 2), merged.Prices["my-model"]);
        Assert.Equal(new ModelPrice(0.15, 0.6), merged.Prices["gpt-4o-mini"]);

        var registry = new ProviderRegistry(new Dictionary<string, ProviderConfig> { ["openai"] = user }, new ApiKeyStore(_ => null), environment: _ => null);
        Assert.Equal("https://proxy.example/v1", registry.Providers["openai"].BaseUrl);
        Assert.Equal(new ModelPrice(1, 2), registry.PriceOf("openai/my-model"));
        Assert.Equal(new ModelPrice(0.15, 0.6), registry.PriceOf("openai/gpt-4o-mini"));
        Assert.Null(registry.PriceOf("openai/unknown"));
        Assert.Null(registry.PriceOf("nosuch/model"));
    }

    [Fact]
    public void The_presets_are_all_there()
    {
        var p = ProviderRegistry.Presets;
        Assert.Equal(["openai", "openrouter", "together", "fireworks", "deepseek", "llamacpp", "vllm", "ollama", "anthropic", "offline"], p.Keys);
        Assert.Equal("http://127.0.0.1:8080/v1", p["llamacpp"].BaseUrl);
        Assert.Equal("http://127.0.0.1:8000/v1", p["vllm"].BaseUrl);
        Assert.Equal("http://127.0.0.1:11434", p["ollama"].BaseUrl);
        Assert.Equal("completions", p["openrouter"].Kind);
        Assert.Equal("anthropic", p["anthropic"].Kind);
        Assert.Equal("ANTHROPIC_API_KEY", p["anthropic"].ApiKeyEnv);
        foreach (var config in p.Values.Where(c => c.BaseUrl is not null && c.ApiKeyEnv is not null))
        {
            Assert.StartsWith("https://", config.BaseUrl, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_default_model_is_the_first_preset_with_a_key_else_offline()
    {
        Assert.Equal("offline/markov", new ProviderRegistry(null, new ApiKeyStore(_ => null), environment: _ => null).DefaultModel());
        var env = new Dictionary<string, string?> { ["ANTHROPIC_API_KEY"] = "a", ["OPENROUTER_API_KEY"] = "o" };
        var registry = new ProviderRegistry(null, new ApiKeyStore(n => env.GetValueOrDefault(n)), environment: n => env.GetValueOrDefault(n));
        Assert.Equal("openrouter/meta-llama/llama-3.1-405b", registry.DefaultModel());
        var keys = new ApiKeyStore(_ => null);
        keys.Set("openai", "sk-x");
        Assert.Equal("openai/gpt-4o-mini", new ProviderRegistry(null, keys, environment: _ => null).DefaultModel());
    }

    [Fact]
    public void Models_resolve_to_their_kind()
    {
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "k", ["ANTHROPIC_API_KEY"] = "k", ["OPENROUTER_API_KEY"] = "k" };
        var registry = new ProviderRegistry(null, new ApiKeyStore(n => env.GetValueOrDefault(n)), environment: n => env.GetValueOrDefault(n));
        Assert.IsType<ChatGenerator>(registry.Resolve("openai/gpt-4o-mini"));
        Assert.IsType<CompletionsGenerator>(registry.Resolve("openai/gpt-3.5-turbo-instruct"));
        Assert.IsType<CompletionsGenerator>(registry.Resolve("openrouter/meta-llama/llama-3.1-405b"));
        Assert.IsType<CompletionsGenerator>(registry.Resolve("llamacpp/default"));
        Assert.IsType<CompletionsGenerator>(registry.Resolve("vllm/my-model"));
        Assert.IsType<OllamaGenerator>(registry.Resolve("ollama/llama3.2"));
        Assert.IsType<AnthropicGenerator>(registry.Resolve("anthropic/claude-3-5-haiku-20241022"));
        var fake = new FakeGenerator();
        registry.OfflineFactory = name => name == "markov" ? fake : throw new GenerationException(ErrorCategory.Config, "no");
        Assert.Same(fake, registry.Resolve("offline/markov"));
    }

    [Fact]
    public void The_openrouter_model_keeps_its_slashes()
    {
        Assert.Equal(("openrouter", "meta-llama/llama-3.1-405b"), ProviderRegistry.Split("openrouter/meta-llama/llama-3.1-405b"));
    }

    [Fact]
    public void The_whole_providers_setting_is_read_with_warnings_for_bad_entries()
    {
        var warnings = new List<string>();
        var all = ProviderConfig.ParseAll(Json("""{"mylab": {"kind": "completions", "baseUrl": "http://127.0.0.1:1/v1"}, "bad": 3, "a/b": {}}"""), warnings);
        Assert.Equal(["mylab"], all.Keys);
        Assert.Equal(2, warnings.Count);
        Assert.Empty(ProviderConfig.ParseAll(null, warnings));
    }

    [Fact]
    public async Task A_registry_comes_from_the_loom_settings_section()
    {
        var warnings = new List<string>();
        var env = new Dictionary<string, string?> { ["MYLAB_KEY"] = Key };
        string settings = """{"model": "mylab/m", "timeoutSeconds": 0.5, "providers": {"mylab": {"kind": "completions", "baseUrl": "BASE", """
            + """ "apiKeyEnv": "MYLAB_KEY", "apiKey": "nope"}}}""";
        var registry = ProviderRegistry.FromSettings(Json(settings.Replace("BASE", _server.BaseUrl, StringComparison.Ordinal)), new ApiKeyStore(n => env.GetValueOrDefault(n)), warnings, environment: n => env.GetValueOrDefault(n));
        Assert.Single(warnings);
        _server.Behavior.Hang = true;
        var e = await registry.Resolve("mylab/m").FailsAsync(Request("mylab/m"));
        Assert.Equal(ErrorCategory.Timeout, e.Category);
        Assert.Contains("0.5 s", e.Message, StringComparison.Ordinal);

        var bad = new List<string>();
        ProviderRegistry.FromSettings(Json("""{"providers": [1], "timeoutSeconds": "soon"}"""), new ApiKeyStore(_ => null), bad);
        Assert.Equal(2, bad.Count);
    }

    private sealed class FakeGenerator : ITextGenerator
    {
        public IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, CancellationToken cancellationToken) =>
            AsyncEnumerable.Empty<GeneratedChunk>();
    }
}
