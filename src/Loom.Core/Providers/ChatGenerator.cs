using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using Loom.Core.Generation;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;

namespace Loom.Core.Providers;

/// <summary>
/// Chat models of OpenAI-compatible providers through <see cref="IChatClient"/> (Microsoft.Extensions.AI.OpenAI),
/// with the continuation strategies of <see cref="Continuation"/> and echo removal.
/// </summary>
internal sealed class ChatGenerator : ProviderGenerator
{
    private readonly IChatClient _client;
    private readonly string _strategy;

    public ChatGenerator(ProviderContext context, string modelName) : base(context, modelName)
    {
        _strategy = Continuation.Normalize(context.Config.Strategy);
        _client = CreateClient(context, modelName);
    }

    internal static IChatClient CreateClient(ProviderContext context, string modelName)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(context.BaseUrl),
            Transport = new HttpClientPipelineTransport(context.Http),
            RetryPolicy = new ClientRetryPolicy(0), // Loom retries 429 itself, only before the first token
            NetworkTimeout = System.Threading.Timeout.InfiniteTimeSpan, // Loom's per-token timeout applies instead
        };
        options.AddPolicy(new LoomPipelinePolicy(context), PipelinePosition.BeforeTransport);

        // The real key is put on each request by LoomPipelinePolicy (or nothing, for keyless local servers).
        var client = new OpenAIClient(new ApiKeyCredential("loom-key-is-set-per-request"), options);
        return client.GetChatClient(modelName).AsIChatClient();
    }

    protected override bool SendsLogprobs => true;

    protected override string? EchoSource(GenerationRequest request) => request.Prompt;

    protected override bool DropLeadingWhitespace(GenerationRequest request) => Continuation.PrefillTrimmed(_strategy, request.Prompt);

    protected override async IAsyncEnumerable<ProviderDelta> ReadAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var messages = Continuation.Build(_strategy, request.Prompt, request.Context)
            .Select(m => new AiChatMessage(m.Role switch
            {
                Continuation.Role.System => AiChatRole.System,
                Continuation.Role.Assistant => AiChatRole.Assistant,
                _ => AiChatRole.User,
            }, m.Text))
            .ToList();
        var options = new ChatOptions
        {
            MaxOutputTokens = Math.Max(1, request.MaxTokens),
            Temperature = (float)request.Temperature,
        };
        if (request.TopLogprobs > 0)
        {
            int top = Math.Min(request.TopLogprobs, 20);
            options.RawRepresentationFactory = _ => new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = top };
        }

        await foreach (var update in _client.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            int? promptTokens = null, completionTokens = null;
            foreach (var content in update.Contents)
            {
                if (content is UsageContent usage)
                {
                    promptTokens = (int?)usage.Details.InputTokenCount;
                    completionTokens = (int?)usage.Details.OutputTokenCount;
                }
            }

            string text = update.Text;
            string? finish = update.FinishReason?.Value;
            var logprobs = (update.RawRepresentation as StreamingChatCompletionUpdate)?.ContentTokenLogProbabilities;
            if (logprobs is { Count: > 1 } && string.Concat(logprobs.Select(l => l.Token)) == text)
            {
                for (int i = 0; i < logprobs.Count; i++)
                {
                    bool last = i == logprobs.Count - 1;
                    yield return new ProviderDelta(logprobs[i].Token, ToLogprob(logprobs[i]), 1,
                        last ? promptTokens : null, last ? completionTokens : null, last ? finish : null);
                }

                continue;
            }

            if (text.Length == 0 && promptTokens is null && completionTokens is null && finish is null)
            {
                continue;
            }

            yield return new ProviderDelta(text, logprobs is { Count: > 0 } ? ToLogprob(logprobs[0]) : null, text.Length > 0 ? 1 : 0,
                promptTokens, completionTokens, finish);
        }
    }

    private static TokenLogprob ToLogprob(ChatTokenLogProbabilityDetails d) =>
        new(d.Token, d.LogProbability, d.TopLogProbabilities.Select(t => new TokenAlternative(t.Token, t.LogProbability)).ToList());

    /// <summary>
    /// Puts Loom's headers and key on each request, turns error answers into categorized exceptions
    /// before the SDK sees them, and watches the stream for <c>error</c> objects sent with HTTP 200.
    /// </summary>
    private sealed class LoomPipelinePolicy(ProviderContext context) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            var headers = message.Request.Headers;
            headers.Remove("Authorization");
            foreach (var (name, value) in context.Config.Headers)
            {
                headers.Set(name, value);
            }

            if (context.KeyForRequest() is { } key)
            {
                headers.Set("Authorization", "Bearer " + key);
            }

            if (!IsOpenAi(message.Request.Uri) && message.Request.Content is { } content)
            {
                message.Request.Content = await RenameMaxTokensAsync(content, message.CancellationToken).ConfigureAwait(false);
            }

            await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
            var response = message.Response;
            if (response is null)
            {
                return;
            }

            if (response.Status >= 400)
            {
                string? body = null;
                if (response.ContentStream is { } s)
                {
                    try
                    {
                        body = await ProviderErrors.ReadStartAsync(s, message.CancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException)
                    {
                        // The status says enough.
                    }
                }

                response.Headers.TryGetValue("Retry-After", out string? retryAfter);
                throw ProviderErrors.FromStatus(context, response.Status, response.ReasonPhrase, body,
                    ProviderErrors.RetryAfter(retryAfter, DateTimeOffset.UtcNow));
            }

            if (response.ContentStream is { } stream)
            {
                response.ContentStream = new StreamErrorWatcher(stream, context, message.CancellationToken);
            }
        }

        private static bool IsOpenAi(Uri? uri) => uri?.Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase) == true;

        /// <summary>
        /// The OpenAI library writes <c>max_completion_tokens</c>; OpenAI-compatible servers (llama.cpp, vLLM, OpenRouter,
        /// DeepSeek, Together…) all know <c>max_tokens</c>, not all know the newer name.
        /// </summary>
        private static async Task<BinaryContent> RenameMaxTokensAsync(BinaryContent content, CancellationToken ct)
        {
            using var buffer = new MemoryStream();
            await content.WriteToAsync(buffer, ct).ConfigureAwait(false);
            if (System.Text.Json.Nodes.JsonNode.Parse(buffer.ToArray()) is not System.Text.Json.Nodes.JsonObject body
                || !body.Remove("max_completion_tokens", out var max))
            {
                return BinaryContent.Create(new BinaryData(buffer.ToArray()));
            }

            body["max_tokens"] = max;
            return BinaryContent.Create(BinaryData.FromString(body.ToJsonString()));
        }
    }
}
