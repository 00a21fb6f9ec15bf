using System.Diagnostics;
using Loom.Core.Generation;
using Loom.Core.Providers;
using Loom.Testing.Fakes;
using static Loom.Providers.Tests.TestSupport;

namespace Loom.Providers.Tests;

public sealed class StreamingTests : IAsyncLifetime
{
    private readonly FakeOpenAiServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Completions_send_the_path_text_exactly_and_stream_every_token()
    {
        const string prompt = "  The path text\r\nends with spaces and newlines \n\n ";
        _server.Behavior.Tokens = 7;
        var result = await Registry(_server).Resolve("fake/model-a").CollectAsync(Request("fake/model-a", prompt, maxTokens: 32));

        Assert.Equal(Tokens(7), result.Text);
        Assert.Equal(7, result.TextChunks.Count);
        var req = Assert.Single(_server.Requests);
        Assert.Equal("/v1/completions", req.Path);
        Assert.Equal(prompt, req.Prompt);
        Assert.Equal("model-a", req.Model);
        Assert.Equal(32, req.MaxTokens);
        Assert.True(req.Json!["stream"]!.GetValue<bool>());
        Assert.True(req.AskedForUsage);
        Assert.Null(req.Json["n"]);
        Assert.Null(req.Json["logprobs"]);
        Assert.Equal("stop", result.FinishReason);
    }

    [Fact]
    public async Task Chat_sends_the_context_as_system_prompt_and_the_path_text_as_user_message()
    {
        const string prompt = "Dear diary,\n  today ";
        _server.Behavior.Tokens = 4;
        var result = await Registry(_server).Resolve("fakechat/model-b").CollectAsync(Request("fakechat/model-b", prompt, context: "You are a diarist."));

        Assert.Equal(Tokens(4), result.Text);
        var req = Assert.Single(_server.Requests);
        Assert.Equal("/v1/chat/completions", req.Path);
        Assert.Null(req.Json!["n"]);
        Assert.Equal("system", req.Messages[0].Role);
        Assert.StartsWith("You are a diarist.", req.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal(("user", prompt), req.Messages[^1]);
        Assert.Equal("Bearer " + Key, req.Header("Authorization"));
        Assert.Equal(16, req.Json["max_tokens"]!.GetValue<int>()); // the name every OpenAI-compatible server knows
        Assert.Null(req.Json["max_completion_tokens"]);
        Assert.Equal(new UsageReport(11, 4, false, (11 * 1.0 + 4 * 3.0) / 1e6), result.Usage);
    }

    [Fact]
    public async Task Eight_branches_of_two_models_stream_concurrently_each_intact()
    {
        _server.Behavior.Tokens = 40;
        _server.Behavior.TokenDelay = TimeSpan.FromMilliseconds(1);
        _server.Behavior.TokenText = (r, i) => $" {r.Model}:{(r.Prompt ?? r.Messages[^1].Content)[^2..]}:{i}";
        var registry = Registry(_server);
        var tasks = new List<Task<(string Model, int Branch, TestSupport.Result Result)>>();
        foreach (var model in new[] { "fake/model-a", "fakechat/model-b" })
        {
            for (int b = 0; b < 8; b++)
            {
                int branch = b;
                string m = model;
                tasks.Add(Task.Run(async () => (m, branch, await registry.Resolve(m).CollectAsync(Request(m, $"story b{branch}", maxTokens: 40, branch: branch)))));
            }
        }

        var results = await Task.WhenAll(tasks);
        Assert.Equal(16, _server.Requests.Count);
        foreach (var (model, branch, result) in results)
        {
            string bare = model[(model.IndexOf('/') + 1)..];
            string expected = string.Concat(Enumerable.Range(0, 40).Select(i => $" {bare}:b{branch}:{i}"));
            Assert.Equal(expected, result.Text);
            Assert.False(result.Usage!.Estimated);
        }
    }

    [Theory]
    [InlineData("fake/model-a")]
    [InlineData("fakechat/model-b")]
    [InlineData("fakeanthropic/model-a")]
    [InlineData("fakeollama/model-a")]
    public async Task Cancelling_mid_stream_closes_the_connection_promptly(string model)
    {
        _server.Behavior.Tokens = 50;
        _server.Behavior.HangAfter = 3;
        var generator = Registry(_server).Resolve(model);

        // Every try must close the connection; at least one of three must be seen by the server within
        // 100 ms (one try can lose that race on a machine busy with other test assemblies).
        var elapsed = new List<TimeSpan>();
        for (int attempt = 0; attempt < 3 && !elapsed.Any(e => e < TimeSpan.FromMilliseconds(100)); attempt++)
        {
            using var cts = new CancellationTokenSource();
            var chunks = new List<GeneratedChunk>();
            long cancelledAt = 0;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var chunk in generator.StreamAsync(Request(model, maxTokens: 50), cts.Token))
                {
                    chunks.Add(chunk);
                    if (chunks.Count == 3)
                    {
                        cancelledAt = Stopwatch.GetTimestamp();
                        cts.Cancel();
                    }
                }
            });

            Assert.Equal(3, chunks.Count);
            long closedAt = await _server.Requests[attempt].ClientClosed.WaitAsync(TimeSpan.FromSeconds(10));
            elapsed.Add(Stopwatch.GetElapsedTime(cancelledAt, closedAt));
        }

        Assert.True(elapsed.Min() < TimeSpan.FromMilliseconds(100),
            $"the server saw the close {string.Join(", ", elapsed.Select(e => $"{e.TotalMilliseconds:0.0} ms"))} after cancel");
    }

    [Fact]
    public async Task Cancelling_while_waiting_for_the_first_byte_closes_the_connection()
    {
        _server.Behavior.Hang = true;
        using var cts = new CancellationTokenSource();
        var received = new TaskCompletionSource();
        _server.RequestReceived += _ => received.TrySetResult();
        var run = Registry(_server).Resolve("fake/model-a").CollectAsync(Request("fake/model-a"), cts.Token);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        long cancelledAt = Stopwatch.GetTimestamp();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        long closedAt = await _server.Requests[0].ClientClosed.WaitAsync(TimeSpan.FromSeconds(10));
        var elapsed = Stopwatch.GetElapsedTime(cancelledAt, closedAt);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(250), $"the server saw the close {elapsed.TotalMilliseconds:0.0} ms after cancel");
    }

    [Theory]
    [InlineData("fake/model-a")]
    [InlineData("fakechat/model-b")]
    [InlineData("fakeanthropic/model-a")]
    [InlineData("fakeollama/model-a")]
    public async Task Overshooting_providers_are_cut_at_max_tokens_and_closed(string model)
    {
        _server.Behavior.Tokens = 20;
        _server.Behavior.RespectMaxTokens = false;
        _server.Behavior.HangAfter = 20; // keep the connection open: only Loom can close it
        var result = await Registry(_server).Resolve(model).CollectAsync(Request(model, "Hello there, world", maxTokens: 5));

        Assert.Equal(Tokens(5), result.Text);
        Assert.Equal("length", result.FinishReason);
        Assert.Equal(5, result.Usage!.CompletionTokens);
        Assert.True(result.Usage.Estimated);
        await _server.Requests[0].ClientClosed.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(FakeStreamEnd.Done, false)]
    [InlineData(FakeStreamEnd.FinishReasonOnly, false)]
    [InlineData(FakeStreamEnd.UsageOnly, false)]
    [InlineData(FakeStreamEnd.Eof, true)]
    public async Task Every_stream_end_style_keeps_the_text(FakeStreamEnd end, bool estimated)
    {
        _server.Behavior.Tokens = 6;
        _server.Behavior.End = end;
        foreach (var model in new[] { "fake/model-a", "fakechat/model-b" })
        {
            var result = await Registry(_server).Resolve(model).CollectAsync(Request(model));
            Assert.Equal(Tokens(6), result.Text);
            Assert.Equal(estimated, result.Usage!.Estimated);
            Assert.Equal(6, result.Usage.CompletionTokens);
            Assert.NotNull(result.Usage.CostUsd);
        }
    }

    [Fact]
    public async Task Usage_is_estimated_and_marked_when_the_provider_sends_none()
    {
        _server.Behavior.Tokens = 3;
        _server.Behavior.IncludeUsage = false;
        var result = await Registry(_server).Resolve("fake/model-a").CollectAsync(Request("fake/model-a", "12345678"));
        Assert.Equal(new UsageReport(2, 3, true, (2 * 2.0 + 3 * 4.0) / 1e6), result.Usage);
    }

    [Fact]
    public async Task Usage_has_no_cost_when_the_price_is_unknown()
    {
        var result = await Registry(_server).Resolve("fake/unpriced").CollectAsync(Request("fake/unpriced"));
        Assert.Equal(11, result.Usage!.PromptTokens);
        Assert.Null(result.Usage.CostUsd);
    }

    [Theory]
    [InlineData("fake/model-a")]
    [InlineData("fakechat/model-b")]
    public async Task Logprobs_come_per_token_when_asked(string model)
    {
        _server.Behavior.Tokens = 4;
        var result = await Registry(_server).Resolve(model).CollectAsync(Request(model, topLogprobs: 2));
        var req = _server.Requests[0];
        Assert.Equal(2, req.TopLogprobs);
        Assert.All(result.TextChunks, c =>
        {
            Assert.NotNull(c.Logprob);
            Assert.Equal(c.Text, c.Logprob!.Token);
            Assert.True(c.Logprob.Logprob < 0);
            Assert.Equal(2, c.Logprob.TopAlternatives.Count);
        });
    }

    [Fact]
    public async Task Missing_logprobs_are_not_an_error()
    {
        _server.Behavior.Logprobs = false;
        var result = await Registry(_server).Resolve("fake/model-a").CollectAsync(Request("fake/model-a", topLogprobs: 3));
        Assert.Equal(Tokens(5), result.Text);
        Assert.All(result.TextChunks, c => Assert.Null(c.Logprob));
    }

    [Fact]
    public async Task Chat_echo_of_the_prompt_end_is_removed()
    {
        const string prompt = "It was the best of times, it was the worst of times";
        _server.Behavior.EchoPrefix = "it was the worst of times";
        _server.Behavior.Tokens = 3;
        var result = await Registry(_server).Resolve("fakechat/model-b").CollectAsync(Request("fakechat/model-b", prompt));
        Assert.Equal(Tokens(3), result.Text);
    }

    [Fact]
    public async Task Prefill_puts_the_text_in_the_assistant_turn_and_drops_the_held_back_space()
    {
        const string prompt = "The quick brown fox ";
        _server.Behavior.Tokens = 2;
        _server.Behavior.TokenText = (_, i) => i == 0 ? " jumps" : " over";
        var result = await Registry(_server).Resolve("fakeprefill/model-b").CollectAsync(Request("fakeprefill/model-b", prompt));
        Assert.Equal("jumps over", result.Text);
        var req = _server.Requests[0];
        Assert.Equal(("assistant", "The quick brown fox"), req.Messages[^1]);
    }

    [Fact]
    public async Task Few_shot_ends_with_the_text_as_the_last_user_turn()
    {
        var result = await Registry(_server).Resolve("fakefewshot/model-b").CollectAsync(Request("fakefewshot/model-b", "Roses are red,", context: "Poems."));
        var req = _server.Requests[0];
        Assert.Equal(("user", "Roses are red,"), req.Messages[^1]);
        Assert.True(req.Messages.Count >= 6);
        Assert.StartsWith("Poems.", req.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal(Tokens(5), result.Text);
    }

    [Fact]
    public async Task Anthropic_streams_with_its_headers_and_usage()
    {
        _server.Behavior.Tokens = 4;
        var result = await Registry(_server).Resolve("fakeanthropic/model-a").CollectAsync(Request("fakeanthropic/model-a", "Hi", context: "Be brief."));
        Assert.Equal(Tokens(4), result.Text);
        var req = _server.Requests[0];
        Assert.Equal("/v1/messages", req.Path);
        Assert.Equal(Key, req.Header("x-api-key"));
        Assert.Null(req.Header("Authorization"));
        Assert.NotNull(req.Header("anthropic-version"));
        Assert.StartsWith("Be brief.", req.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal(("user", "Hi"), req.Messages[^1]);
        Assert.Equal(new UsageReport(11, 4, false, (11 * 2.0 + 4 * 4.0) / 1e6), result.Usage);
    }

    [Fact]
    public async Task Ollama_raw_generate_sends_the_path_text_as_a_raw_prompt()
    {
        const string prompt = "def f(x):\n    ";
        var result = await Registry(_server).Resolve("fakeollama/model-a").CollectAsync(Request("fakeollama/model-a", prompt, maxTokens: 9));
        Assert.Equal(Tokens(5), result.Text);
        var req = _server.Requests[0];
        Assert.Equal("/api/generate", req.Path);
        Assert.Equal(prompt, req.Prompt);
        Assert.True(req.Json!["raw"]!.GetValue<bool>());
        Assert.Equal(9, req.MaxTokens);
        Assert.Null(req.Header("Authorization"));
        Assert.Equal(new UsageReport(11, 5, false, (11 * 2.0 + 5 * 4.0) / 1e6), result.Usage);
    }

    [Fact]
    public async Task Ollama_chat_strategy_uses_the_chat_endpoint()
    {
        var result = await Registry(_server).Resolve("fakeollamachat/model-a").CollectAsync(Request("fakeollamachat/model-a", "Hello", context: "ctx"));
        Assert.Equal(Tokens(5), result.Text);
        var req = _server.Requests[0];
        Assert.Equal("/api/chat", req.Path);
        Assert.StartsWith("ctx", req.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal(("user", "Hello"), req.Messages[^1]);
    }

    [Fact]
    public async Task Keyless_local_providers_send_no_authorization_header()
    {
        await Registry(_server).Resolve("nokey/m").CollectAsync(Request("nokey/m"));
        Assert.Null(_server.Requests[0].Header("Authorization"));
        await Registry(_server).Resolve("fake/m").CollectAsync(Request("fake/m"));
        Assert.Equal("Bearer " + Key, _server.Requests[1].Header("Authorization"));
    }

    [Theory]
    [InlineData("fake/model-a")]
    [InlineData("fakechat/model-b")]
    public async Task A_provider_that_refuses_logprobs_is_asked_again_without_them(string model)
    {
        _server.BehaviorFor = r => r.TopLogprobs > 0 ? new FakeBehavior { Status = 400, ErrorBody = "{\"error\":{\"message\":\"logprobs are not supported\"}}" } : null;
        var result = await Registry(_server).Resolve(model).CollectAsync(Request(model, topLogprobs: 5));
        Assert.Equal(Tokens(5), result.Text);
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(0, _server.Requests[1].TopLogprobs);
    }

    [Fact]
    public async Task Offline_models_stream_without_a_network()
    {
        var registry = Registry(_server);
        var result = await registry.Resolve("offline/markov").CollectAsync(
            Request("offline/markov", "The cat sat on the mat. The dog sat on the log.", maxTokens: 8) with { CorpusText = "The cat sat on the mat. The dog sat on the log." });
        Assert.NotEmpty(result.Text);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Completions_logprobs_in_the_llama_cpp_content_shape_are_read_too()
    {
        _server.Behavior.LogprobsAsContent = true;
        var result = await Registry(_server).Resolve("fake/model-a").CollectAsync(Request("fake/model-a", topLogprobs: 2));
        Assert.All(result.TextChunks, c =>
        {
            Assert.Equal(c.Text, c.Logprob!.Token);
            Assert.Equal(2, c.Logprob.TopAlternatives.Count);
        });
    }

    [Fact]
    public async Task Completions_ask_for_at_most_five_logprobs()
    {
        await Registry(_server).Resolve("fake/model-a").CollectAsync(Request("fake/model-a", topLogprobs: 8));
        Assert.Equal(5, _server.Requests[0].TopLogprobs);
    }

    [Fact]
    public async Task A_resolved_generator_reads_the_key_per_request()
    {
        var keys = new ApiKeyStore(_ => null);
        keys.Set("fake", "sk-first-key-0000000001");
        var registry = Registry(_server, env: [], keys: keys);
        var generator = registry.Resolve("fake/model-a");
        await generator.CollectAsync(Request("fake/model-a"));
        keys.Set("fake", "sk-second-key-000000002");
        Assert.Same(generator, registry.Resolve("fake/model-a"));
        await generator.CollectAsync(Request("fake/model-a"));
        Assert.Equal("Bearer sk-first-key-0000000001", _server.Requests[0].Header("Authorization"));
        Assert.Equal("Bearer sk-second-key-000000002", _server.Requests[1].Header("Authorization"));
    }

    [Theory]
    [InlineData("fakeanthropic/model-a")]
    [InlineData("fakeollama/model-a")]
    public async Task Kinds_without_logprobs_do_not_ask_again_on_a_400(string model)
    {
        _server.Behavior.Status = 400;
        var e = await Registry(_server).Resolve(model).FailsAsync(Request(model, topLogprobs: 5));
        Assert.Equal(ErrorCategory.Config, e.Category);
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task Streams_per_provider_are_bounded_and_the_rest_wait_their_turn()
    {
        // Every stream sends one token and then holds its connection: only the first 16 branches can get a slot.
        _server.Behavior.Tokens = 5;
        _server.Behavior.HangAfter = 1;
        int limit = ProviderRegistry.MaxConcurrentStreamsPerProvider;
        var generator = Registry(_server).Resolve("fake/model-a");
        using var cts = new CancellationTokenSource();
        int started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var branches = Enumerable.Range(0, limit + 8).Select(b => Task.Run(async () =>
        {
            await foreach (var chunk in generator.StreamAsync(Request("fake/model-a", branch: b), cts.Token))
            {
                if (Interlocked.Increment(ref started) == limit)
                {
                    allStarted.TrySetResult();
                }
            }
        })).ToList();

        await allStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(limit, _server.Requests.Count);
        cts.Cancel();
        foreach (var branch in branches)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => branch);
        }

        Assert.Equal(limit, _server.Requests.Count); // the waiting branches never sent anything
    }
}
