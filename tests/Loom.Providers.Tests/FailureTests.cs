using System.Globalization;
using Loom.Core.Generation;
using Loom.Core.Providers;
using Loom.Testing.Fakes;
using static Loom.Providers.Tests.TestSupport;

namespace Loom.Providers.Tests;

public sealed class FailureTests : IAsyncLifetime
{
    private readonly FakeOpenAiServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string> Models => new() { "fake/model-a", "fakechat/model-b", "fakeanthropic/model-a", "fakeollama/model-a" };

    public static TheoryData<string> OpenAiModels => new() { "fake/model-a", "fakechat/model-b" };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Http_401_and_403_are_auth_errors_naming_the_key_variable(string model)
    {
        foreach (int status in new[] { 401, 403 })
        {
            _server.Behavior.Status = status;
            var e = await Registry(_server).Resolve(model).FailsAsync(Request(model));
            Assert.Equal(ErrorCategory.Auth, e.Category);
            if (!model.StartsWith("fakeollama", StringComparison.Ordinal))
            {
                Assert.Contains("FAKE_KEY", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Http_500_is_a_network_error(string model)
    {
        _server.Behavior.Status = 500;
        var e = await Registry(_server).Resolve(model).FailsAsync(Request(model));
        Assert.Equal(ErrorCategory.Network, e.Category);
        Assert.Contains("500", e.Message, StringComparison.Ordinal);
        Assert.Single(_server.Requests); // only 429 is retried
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task A_malformed_chunk_is_a_bad_response(string model)
    {
        _server.Behavior.MalformedAfter = 2;
        var seen = new List<GeneratedChunk>();
        var e = await Registry(_server).Resolve(model).FailsAsync(Request(model), seen);
        Assert.Equal(ErrorCategory.BadResponse, e.Category);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task A_reset_mid_stream_is_a_network_error_after_the_partial_text(string model)
    {
        _server.Behavior.Tokens = 10;
        _server.Behavior.ResetAfter = 4;
        var seen = new List<GeneratedChunk>();
        var e = await Registry(_server).Resolve(model).FailsAsync(Request(model), seen);
        Assert.Equal(ErrorCategory.Network, e.Category);
        Assert.Equal(Tokens(4), string.Concat(seen.Select(c => c.Text)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task A_refused_connection_is_a_network_error(string model)
    {
        string url = FakeOpenAiServer.RefusingUrl();
        var env = new Dictionary<string, string?> { ["FAKE_KEY"] = Key };
        string kind = model.Split('/')[0] switch { "fake" => "completions", "fakechat" => "chat", "fakeanthropic" => "anthropic", _ => "ollama" };
        var registry = new ProviderRegistry(
            new Dictionary<string, ProviderConfig> { ["down"] = Provider("down", kind, kind == "ollama" ? url[..^3] : url, "FAKE_KEY") },
            new ApiKeyStore(n => env.GetValueOrDefault(n)), environment: n => env.GetValueOrDefault(n));
        var e = await registry.Resolve("down/m").FailsAsync(Request("down/m"));
        Assert.Equal(ErrorCategory.Network, e.Category);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task No_answer_within_timeoutSeconds_is_a_timeout(string model)
    {
        _server.Behavior.Hang = true;
        var e = await Registry(_server, timeoutSeconds: 0.5).Resolve(model).FailsAsync(Request(model));
        Assert.Equal(ErrorCategory.Timeout, e.Category);
        Assert.Contains("0.5 s", e.Message, StringComparison.Ordinal);
        foreach (var request in _server.Requests)
        {
            await request.ClientClosed.WaitAsync(TimeSpan.FromSeconds(10)); // the stalled connection was closed
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task A_stream_that_stalls_after_some_tokens_times_out_keeping_them(string model)
    {
        var generator = Registry(_server, timeoutSeconds: 1).Resolve(model);
        await generator.CollectAsync(Request(model)); // warm: the first request of a kind may be slow on a busy machine
        _server.Behavior.Tokens = 10;
        _server.Behavior.HangAfter = 3;
        var seen = new List<GeneratedChunk>();
        var e = await generator.FailsAsync(Request(model), seen);
        Assert.Equal(ErrorCategory.Timeout, e.Category);
        Assert.Equal(Tokens(3), string.Concat(seen.Select(c => c.Text)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task An_empty_completion_is_a_bad_response(string model)
    {
        _server.Behavior.Tokens = 0;
        var e = await Registry(_server).Resolve(model).FailsAsync(Request(model));
        Assert.Equal(ErrorCategory.BadResponse, e.Category);
        Assert.Equal("the model returned no text", e.Message);
    }

    [Theory]
    [InlineData("server_error", null, ErrorCategory.Network)]
    [InlineData("rate_limit_error", null, ErrorCategory.RateLimit)]
    [InlineData("authentication_error", null, ErrorCategory.Auth)]
    [InlineData("weird", 503, ErrorCategory.Network)]
    [InlineData("weird", null, ErrorCategory.BadResponse)]
    public async Task An_error_object_in_a_200_stream_is_an_error_of_its_category(string type, int? code, ErrorCategory expected)
    {
        _server.Behavior.StreamErrorAfter = 2;
        _server.Behavior.StreamErrorType = type;
        _server.Behavior.StreamErrorCode = code;
        // Anthropic's error events carry a type, never a numeric code.
        var models = code is null ? new[] { "fake/model-a", "fakechat/model-b", "fakeanthropic/model-a" } : new[] { "fake/model-a", "fakechat/model-b" };
        foreach (var model in models)
        {
            var seen = new List<GeneratedChunk>();
            var e = await Registry(_server).Resolve(model).FailsAsync(Request(model), seen);
            Assert.Equal(expected, e.Category);
            Assert.Equal(Tokens(2), string.Concat(seen.Select(c => c.Text)));
        }

        Assert.Equal(models.Length, _server.Requests.Count); // never retried after text
    }

    [Theory]
    [MemberData(nameof(OpenAiModels))]
    public async Task Http_429_is_retried_honouring_Retry_After_seconds(string model)
    {
        _server.BehaviorFor = r => r.Seq < 2 ? new FakeBehavior { Status = 429, RetryAfter = "7" } : null;
        var delays = new List<TimeSpan>();
        var log = new List<string>();
        var result = await Registry(_server, delays: delays, log: log).Resolve(model).CollectAsync(Request(model));
        Assert.Equal(Tokens(5), result.Text);
        Assert.Equal(3, _server.Requests.Count);
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(7)], delays);
        Assert.Equal(2, log.Count(l => l.Contains("rate limited", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(OpenAiModels))]
    public async Task Http_429_is_retried_honouring_Retry_After_as_an_HTTP_date(string model)
    {
        string date = DateTimeOffset.UtcNow.AddSeconds(20).ToString("R", CultureInfo.InvariantCulture);
        _server.BehaviorFor = r => r.Seq < 1 ? new FakeBehavior { Status = 429, RetryAfter = date } : null;
        var delays = new List<TimeSpan>();
        var result = await Registry(_server, delays: delays).Resolve(model).CollectAsync(Request(model));
        Assert.Equal(Tokens(5), result.Text);
        var delay = Assert.Single(delays);
        Assert.InRange(delay.TotalSeconds, 17, 20.01);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Http_429_gives_up_after_three_retries_with_the_wait_in_the_error(string model)
    {
        _server.Behavior.Status = 429;
        _server.Behavior.RetryAfter = "2";
        var delays = new List<TimeSpan>();
        var e = await Registry(_server, delays: delays).Resolve(model).FailsAsync(Request(model));
        Assert.Equal(ErrorCategory.RateLimit, e.Category);
        Assert.Equal(TimeSpan.FromSeconds(2), e.RetryAfter);
        Assert.Equal(4, _server.Requests.Count);
        Assert.Equal(3, delays.Count);
    }

    [Fact]
    public async Task Http_429_without_Retry_After_backs_off()
    {
        _server.Behavior.Status = 429;
        var delays = new List<TimeSpan>();
        await Registry(_server, delays: delays).Resolve("fake/model-a").FailsAsync(Request("fake/model-a"));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], delays);
    }

    [Fact]
    public async Task A_Retry_After_too_long_to_wait_fails_at_once()
    {
        _server.Behavior.Status = 429;
        _server.Behavior.RetryAfter = "3600";
        var delays = new List<TimeSpan>();
        var e = await Registry(_server, delays: delays).Resolve("fake/model-a").FailsAsync(Request("fake/model-a"));
        Assert.Equal(ErrorCategory.RateLimit, e.Category);
        Assert.Equal(TimeSpan.FromHours(1), e.RetryAfter);
        Assert.Empty(delays);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task A_rate_limit_after_the_first_token_is_never_retried()
    {
        _server.Behavior.StreamErrorAfter = 1;
        _server.Behavior.StreamErrorType = "rate_limit_error";
        var delays = new List<TimeSpan>();
        var seen = new List<GeneratedChunk>();
        var e = await Registry(_server, delays: delays).Resolve("fake/model-a").FailsAsync(Request("fake/model-a"), seen);
        Assert.Equal(ErrorCategory.RateLimit, e.Category);
        Assert.Equal(" tok0", Assert.Single(seen).Text);
        Assert.Single(_server.Requests);
        Assert.Empty(delays);
    }

    [Fact]
    public void Unknown_providers_and_bad_model_names_are_config_errors()
    {
        var registry = Registry(_server);
        Assert.Equal(ErrorCategory.Config, Assert.Throws<GenerationException>(() => registry.Resolve("nosuch/model")).Category);
        Assert.Equal(ErrorCategory.Config, Assert.Throws<GenerationException>(() => registry.Resolve("no-slash")).Category);
        Assert.Equal(ErrorCategory.Config, Assert.Throws<GenerationException>(() => registry.Resolve("fake/")).Category);
        Assert.Equal(ErrorCategory.Config, Assert.Throws<GenerationException>(() => registry.Resolve("offline/nosuch")).Category);
    }

    [Fact]
    public void A_missing_key_is_a_config_error_naming_the_variable_to_set()
    {
        var registry = Registry(_server, env: []);
        var e = Assert.Throws<GenerationException>(() => registry.Resolve("fake/model-a"));
        Assert.Equal(ErrorCategory.Config, e.Category);
        Assert.Contains("FAKE_KEY", e.Message, StringComparison.Ordinal);
        var preset = new ProviderRegistry(null, new ApiKeyStore(_ => null), environment: _ => null);
        var e2 = Assert.Throws<GenerationException>(() => preset.Resolve("openai/gpt-4o-mini"));
        Assert.Contains("OPENAI_API_KEY", e2.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_key_handed_over_at_run_time_is_used_without_the_environment()
    {
        var keys = new ApiKeyStore(_ => null);
        var registry = Registry(_server, env: [], keys: keys);
        keys.Set("fake", "sk-from-secret-storage-123456");
        await registry.Resolve("fake/model-a").CollectAsync(Request("fake/model-a"));
        Assert.Equal("Bearer sk-from-secret-storage-123456", _server.Requests[0].Header("Authorization"));
    }

    [Theory]
    [InlineData("http://10.1.2.3:8000/v1")]
    [InlineData("http://example.invalid/v1")]
    public void A_key_is_never_sent_over_plain_http_to_a_non_loopback_host(string url)
    {
        var env = new Dictionary<string, string?> { ["K"] = Key };
        var registry = new ProviderRegistry(new Dictionary<string, ProviderConfig> { ["remote"] = Provider("remote", "completions", url, "K") },
            new ApiKeyStore(n => env.GetValueOrDefault(n)), environment: n => env.GetValueOrDefault(n));
        var e = Assert.Throws<GenerationException>(() => registry.Resolve("remote/m"));
        Assert.Equal(ErrorCategory.Config, e.Category);
        Assert.Contains("https", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/v1", true)]
    [InlineData("http://localhost:1/v1", true)]
    [InlineData("http://[::1]:1/v1", true)]
    [InlineData("https://api.example.com/v1", true)]
    [InlineData("http://192.168.1.10/v1", false)]
    public void Keys_travel_only_over_https_or_to_loopback(string url, bool allowed)
    {
        var config = Provider("p", "completions", url, "K");
        if (allowed)
        {
            ProviderContextEnsure(config);
        }
        else
        {
            Assert.Throws<GenerationException>(() => ProviderContextEnsure(config));
        }
    }

    [Fact]
    public async Task A_failing_offline_factory_is_reported_through_the_hook()
    {
        var registry = Registry(_server);
        registry.OfflineFactory = name => new ThrowingGenerator();
        var e = await registry.Resolve("offline/markov").FailsAsync(Request("offline/markov"));
        Assert.Equal(ErrorCategory.Internal, e.Category);
    }

    private static void ProviderContextEnsure(ProviderConfig config) => ProviderContext.EnsureKeyMayTravel(config);

    private sealed class ThrowingGenerator : ITextGenerator
    {
        public async IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new GenerationException(ErrorCategory.Internal, "offline generator broke");
#pragma warning disable CS0162 // Unreachable code: the iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }
    }
}
