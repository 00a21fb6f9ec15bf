using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>
/// Anthropic's Messages API (<c>POST {baseUrl}/messages</c>, streamed), with the continuation strategies
/// (prefill is native there) and echo removal. Spoken over HTTP directly, so that every failure is
/// categorized the same way as for the other kinds.
/// </summary>
internal sealed class AnthropicGenerator(ProviderContext context, string modelName) : ProviderGenerator(context, modelName)
{
    internal const string ApiVersion = "2023-06-01";

    private readonly string _strategy = Continuation.Normalize(context.Config.Strategy);

    protected override string? EchoSource(GenerationRequest request) => request.Prompt;

    protected override bool DropLeadingWhitespace(GenerationRequest request) => Continuation.PrefillTrimmed(_strategy, request.Prompt);

    protected override async IAsyncEnumerable<ProviderDelta> ReadAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var messages = new JsonArray();
        string? system = null;
        foreach (var m in Continuation.Build(_strategy, request.Prompt, request.Context))
        {
            if (m.Role == Continuation.Role.System)
            {
                system = m.Text;
                continue;
            }

            messages.Add(new JsonObject { ["role"] = m.Role == Continuation.Role.Assistant ? "assistant" : "user", ["content"] = m.Text });
        }

        var body = new JsonObject
        {
            ["model"] = ModelName,
            ["max_tokens"] = Math.Max(1, request.MaxTokens),
            ["temperature"] = Math.Clamp(request.Temperature, 0, 1),
            ["stream"] = true,
            ["messages"] = messages,
        };
        if (system is not null)
        {
            body["system"] = system;
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, Context.BaseUrl + "/messages")
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        message.Headers.TryAddWithoutValidation("anthropic-version", ApiVersion);
        Context.ApplyHeaders(message, anthropicStyle: true);

        await using var response = await StreamingResponse.OpenAsync(Context, message, cancellationToken).ConfigureAwait(false);
        var stream = response.Stream;
        int? promptTokens = null;
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            using var doc = JsonDocument.Parse(item.Data);
            var root = doc.RootElement;
            string type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : item.EventType;
            switch (type)
            {
                case "message_start":
                    if (root.TryGetProperty("message", out var msg) && msg.TryGetProperty("usage", out var u0) && u0.TryGetProperty("input_tokens", out var it))
                    {
                        promptTokens = it.GetInt32();
                    }

                    break;
                case "content_block_delta":
                    if (root.TryGetProperty("delta", out var delta) && delta.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        string s = text.GetString() ?? string.Empty;
                        yield return new ProviderDelta(s, Tokens: s.Length > 0 ? 1 : 0);
                    }

                    break;
                case "message_delta":
                    int? output = root.TryGetProperty("usage", out var u1) && u1.TryGetProperty("output_tokens", out var ot) ? ot.GetInt32() : null;
                    string? stop = root.TryGetProperty("delta", out var d1) && d1.TryGetProperty("stop_reason", out var sr) && sr.ValueKind == JsonValueKind.String
                        ? sr.GetString() : null;
                    yield return new ProviderDelta(string.Empty, PromptTokens: promptTokens, CompletionTokens: output,
                        FinishReason: stop switch { null => null, "max_tokens" => "length", _ => "stop" });
                    break;
                case "message_stop":
                    yield break;
                case "error":
                    throw ProviderErrors.FromStreamError(Context, root.TryGetProperty("error", out var err) ? err.Clone() : root.Clone());
            }
        }
    }
}
