using System.Buffers;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>
/// OpenAI-compatible legacy completions (<c>POST {baseUrl}/completions</c>, streamed): the path for
/// base models on llama.cpp, vLLM, OpenRouter, Together, Fireworks and OpenAI's instruct models.
/// The prompt is the path text exactly.
/// </summary>
internal sealed class CompletionsGenerator(ProviderContext context, string modelName) : ProviderGenerator(context, modelName)
{
    protected override bool SendsLogprobs => true;

    /// <summary>The legacy completions API allows at most 5 alternatives.</summary>
    internal const int MaxLogprobs = 5;

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    protected override async IAsyncEnumerable<ProviderDelta> ReadAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, Context.BaseUrl + "/completions")
        {
            Content = new ByteArrayContent(Body(request)) { Headers = { ContentType = JsonType } },
        };
        message.Headers.Accept.ParseAdd("text/event-stream");
        Context.ApplyHeaders(message);

        await using var response = await StreamingResponse.OpenAsync(Context, message, cancellationToken).ConfigureAwait(false);
        var stream = response.Stream;
        var parser = SseParser.Create(stream, static (_, data) => Parse(data));
        await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            var chunk = item.Data;
            if (chunk is null)
            {
                yield break; // [DONE]
            }

            if (chunk.Error is { ValueKind: not JsonValueKind.Null } error)
            {
                throw ProviderErrors.FromStreamError(Context, error);
            }

            int? promptTokens = chunk.Usage?.PromptTokens;
            int? completionTokens = chunk.Usage?.CompletionTokens;
            var choice = chunk.Choices is { Count: > 0 } choices ? choices[0] : null;
            if (choice is null)
            {
                if (promptTokens is not null || completionTokens is not null)
                {
                    yield return new ProviderDelta(string.Empty, PromptTokens: promptTokens, CompletionTokens: completionTokens);
                }

                continue;
            }

            string text = choice.Text ?? string.Empty;
            var lp = choice.Logprobs;
            if (lp?.Tokens is { Count: > 1 } toks && string.Concat(toks) == text)
            {
                // Several tokens in one piece: one delta each, so each keeps its logprob.
                for (int i = 0; i < toks.Count; i++)
                {
                    bool last = i == toks.Count - 1;
                    yield return new ProviderDelta(toks[i], LogprobAt(lp, i), 1,
                        last ? promptTokens : null, last ? completionTokens : null, last ? choice.FinishReason : null);
                }

                continue;
            }

            yield return new ProviderDelta(text, lp is null ? null : LogprobAt(lp, 0), text.Length > 0 ? Math.Max(1, lp?.Tokens?.Count ?? 1) : 0,
                promptTokens, completionTokens, choice.FinishReason);
            if (choice.FinishReason is not null && (chunk.Usage is not null))
            {
                yield break;
            }
        }
    }

    private static CompletionChunkDto? Parse(ReadOnlySpan<byte> data)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            return null;
        }

        return JsonSerializer.Deserialize(data, OpenAiJsonContext.Default.CompletionChunkDto)
            ?? throw new JsonException("a data line held null");
    }

    private static TokenLogprob? LogprobAt(CompletionLogprobsDto lp, int i)
    {
        if (lp.Content is { } content)
        {
            return i < content.Count && content[i] is { Token: { } contentToken, Logprob: double contentValue } entry
                ? new TokenLogprob(contentToken, contentValue, entry.TopLogprobs is { } contentTops
                    ? contentTops.Where(t => t.Token is not null && t.Logprob is not null).Select(t => new TokenAlternative(t.Token!, t.Logprob!.Value)).ToList()
                    : [])
                : null;
        }

        if (lp.Tokens is not { } tokens || i >= tokens.Count || lp.TokenLogprobs is not { } values || i >= values.Count || values[i] is not double value)
        {
            return null;
        }

        IReadOnlyList<TokenAlternative> alternatives = [];
        if (lp.TopLogprobs is { } tops && i < tops.Count && tops[i] is { } top)
        {
            var list = new List<TokenAlternative>(top.Count);
            foreach (var (token, logprob) in top)
            {
                list.Add(new TokenAlternative(token, logprob));
            }

            list.Sort(static (a, b) => b.Logprob.CompareTo(a.Logprob));
            alternatives = list;
        }

        return new TokenLogprob(tokens[i], value, alternatives);
    }

    private byte[] Body(GenerationRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + request.Prompt.Length * 2);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", ModelName);
            w.WriteString("prompt", request.Prompt);
            w.WriteNumber("max_tokens", Math.Max(1, request.MaxTokens));
            w.WriteNumber("temperature", request.Temperature);
            w.WriteBoolean("stream", true);
            w.WriteStartObject("stream_options");
            w.WriteBoolean("include_usage", true);
            w.WriteEndObject();
            if (request.TopLogprobs > 0)
            {
                w.WriteNumber("logprobs", Math.Min(request.TopLogprobs, MaxLogprobs));
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
