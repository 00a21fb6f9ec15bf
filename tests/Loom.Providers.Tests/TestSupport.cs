using System.Text.Json.Nodes;
using Loom.Core.Generation;
using Loom.Core.Providers;
using Loom.Testing.Fakes;

namespace Loom.Providers.Tests;

internal static class TestSupport
{
    public const string Key = "sk-loom-test-5f3c9a1e7b2d4c6f8a0b";

    public static ProviderConfig Provider(string name, string kind, string baseUrl, string? apiKeyEnv = null, string? strategy = null,
        double? timeoutSeconds = null, IReadOnlyDictionary<string, ModelPrice>? prices = null) =>
        new(name, kind, baseUrl, apiKeyEnv, new Dictionary<string, string>(), strategy, prices ?? new Dictionary<string, ModelPrice>(), timeoutSeconds);

    /// <summary>A registry whose providers all point at <paramref name="server"/>: fake (completions), fakechat (chat),
    /// fakeprefill (chat, prefill), fakeanthropic, fakeollama (raw), fakeollamachat; all with a key in FAKE_KEY.</summary>
    public static ProviderRegistry Registry(FakeOpenAiServer server, double? timeoutSeconds = null, List<TimeSpan>? delays = null,
        List<string>? log = null, Dictionary<string, string?>? env = null, ApiKeyStore? keys = null)
    {
        env ??= new Dictionary<string, string?> { ["FAKE_KEY"] = Key };
        var prices = new Dictionary<string, ModelPrice> { ["model-a"] = new(2.0, 4.0), ["model-b"] = new(1.0, 3.0) };
        var providers = new Dictionary<string, ProviderConfig>
        {
            ["fake"] = Provider("fake", "completions", server.BaseUrl, "FAKE_KEY", timeoutSeconds: timeoutSeconds, prices: prices),
            ["fakechat"] = Provider("fakechat", "chat", server.BaseUrl, "FAKE_KEY", "system", timeoutSeconds, prices),
            ["fakeprefill"] = Provider("fakeprefill", "chat", server.BaseUrl, "FAKE_KEY", "prefill", timeoutSeconds, prices),
            ["fakefewshot"] = Provider("fakefewshot", "chat", server.BaseUrl, "FAKE_KEY", "few_shot", timeoutSeconds, prices),
            ["fakeanthropic"] = Provider("fakeanthropic", "anthropic", server.BaseUrl, "FAKE_KEY", "system", timeoutSeconds, prices),
            ["fakeollama"] = Provider("fakeollama", "ollama", server.RootUrl, null, "raw", timeoutSeconds, prices),
            ["fakeollamachat"] = Provider("fakeollamachat", "ollama", server.RootUrl, null, "system", timeoutSeconds, prices),
            ["nokey"] = Provider("nokey", "completions", server.BaseUrl, null, timeoutSeconds: timeoutSeconds),
        };
        var registry = new ProviderRegistry(providers, keys ?? new ApiKeyStore(n => env.GetValueOrDefault(n)), environment: n => env.GetValueOrDefault(n));
        registry.Delay = (d, ct) =>
        {
            if (delays is not null)
            {
                lock (delays)
                {
                    delays.Add(d);
                }
            }

            return Task.CompletedTask;
        };
        if (log is not null)
        {
            registry.Log = line =>
            {
                lock (log)
                {
                    log.Add(line);
                }
            };
        }

        return registry;
    }

    public static GenerationRequest Request(string model, string prompt = "Once upon a time", string? context = null, int maxTokens = 16,
        int branch = 0, int topLogprobs = 0) =>
        new(model, prompt, context, maxTokens, 0.8, branch, branch, topLogprobs);

    public static async Task<Result> CollectAsync(this ITextGenerator generator, GenerationRequest request, CancellationToken ct = default)
    {
        var chunks = new List<GeneratedChunk>();
        await foreach (var chunk in generator.StreamAsync(request, ct))
        {
            chunks.Add(chunk);
        }

        return new Result(chunks);
    }

    public static async Task<GenerationException> FailsAsync(this ITextGenerator generator, GenerationRequest request, List<GeneratedChunk>? seen = null)
    {
        try
        {
            await foreach (var chunk in generator.StreamAsync(request, CancellationToken.None))
            {
                seen?.Add(chunk);
            }
        }
        catch (GenerationException e)
        {
            return e;
        }

        throw new Xunit.Sdk.XunitException("the stream did not fail");
    }

    public static string Tokens(int count, int start = 0) => string.Concat(Enumerable.Range(start, count).Select(i => " tok" + i));

    public static JsonObject Json(string text) => (JsonObject)JsonNode.Parse(text)!;

    public sealed record Result(List<GeneratedChunk> Chunks)
    {
        public string Text => string.Concat(Chunks.Select(c => c.Text));

        public List<GeneratedChunk> TextChunks => Chunks.Where(c => c.Text.Length > 0).ToList();

        public UsageReport? Usage => Chunks.LastOrDefault(c => c.Usage is not null)?.Usage;

        public string? FinishReason => Chunks.LastOrDefault(c => c.FinishReason is not null)?.FinishReason;
    }
}
