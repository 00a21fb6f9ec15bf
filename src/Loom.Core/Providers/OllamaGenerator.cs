using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>
/// Ollama's native API. Strategy <c>raw</c> (the default) is the base-model path: <c>POST /api/generate</c>
/// with <c>raw: true</c>, the path text as the prompt and no template. The chat strategies use
/// <c>POST /api/chat</c>. Both stream NDJSON.
/// </summary>
internal sealed class OllamaGenerator(ProviderContext context, string modelName) : ProviderGenerator(context, modelName)
{
    private readonly string? _chatStrategy = context.Config.Strategy is null or "raw" ? null : Continuation.Normalize(context.Config.Strategy);

    protected override string? EchoSource(GenerationRequest request) => _chatStrategy is null ? null : request.Prompt;

    protected override bool DropLeadingWhitespace(GenerationRequest request) =>
        _chatStrategy is not null && Continuation.PrefillTrimmed(_chatStrategy, request.Prompt);

    protected override async IAsyncEnumerable<ProviderDelta> ReadAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new JsonObject { ["num_predict"] = Math.Max(1, request.MaxTokens), ["temperature"] = request.Temperature };
        JsonObject body;
        string path;
        if (_chatStrategy is null)
        {
            path = "/api/generate";
            body = new JsonObject { ["model"] = ModelName, ["prompt"] = request.Prompt, ["raw"] = true, ["stream"] = true, ["options"] = options };
        }
        else
        {
            path = "/api/chat";
            var messages = new JsonArray();
            foreach (var m in Continuation.Build(_chatStrategy, request.Prompt, request.Context))
            {
                messages.Add(new JsonObject
                {
                    ["role"] = m.Role switch { Continuation.Role.System => "system", Continuation.Role.Assistant => "assistant", _ => "user" },
                    ["content"] = m.Text,
                });
            }

            body = new JsonObject { ["model"] = ModelName, ["messages"] = messages, ["stream"] = true, ["options"] = options };
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, Context.BaseUrl + path)
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        Context.ApplyHeaders(message);

        await using var response = await StreamingResponse.OpenAsync(Context, message, cancellationToken).ConfigureAwait(false);
        var stream = response.Stream;
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("error", out var error))
            {
                throw ProviderErrors.FromStreamError(Context, error.Clone());
            }

            string text = string.Empty;
            if (root.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.String)
            {
                text = r.GetString() ?? string.Empty;
            }
            else if (root.TryGetProperty("message", out var m) && m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
            {
                text = c.GetString() ?? string.Empty;
            }

            bool done = root.TryGetProperty("done", out var d) && d.ValueKind == JsonValueKind.True;
            if (!done)
            {
                if (text.Length > 0)
                {
                    yield return new ProviderDelta(text, Tokens: 1);
                }

                continue;
            }

            int? prompt = root.TryGetProperty("prompt_eval_count", out var pe) ? pe.GetInt32() : null;
            int? completion = root.TryGetProperty("eval_count", out var ec) ? ec.GetInt32() : null;
            string reason = root.TryGetProperty("done_reason", out var dr) && dr.GetString() == "length" ? "length" : "stop";
            yield return new ProviderDelta(text, Tokens: text.Length > 0 ? 1 : 0, PromptTokens: prompt, CompletionTokens: completion, FinishReason: reason);
            yield break;
        }
    }
}
