using System.Text.Json;
using System.Text.Json.Serialization;

namespace Loom.Core.Providers;

// Wire shapes of OpenAI-compatible legacy completions streams, read with source-generated JSON.

internal sealed class CompletionChunkDto
{
    public List<CompletionChoiceDto>? Choices { get; set; }

    public UsageDto? Usage { get; set; }

    public JsonElement? Error { get; set; }
}

internal sealed class CompletionChoiceDto
{
    public string? Text { get; set; }

    public string? FinishReason { get; set; }

    public CompletionLogprobsDto? Logprobs { get; set; }
}

internal sealed class CompletionLogprobsDto
{
    public List<string>? Tokens { get; set; }

    public List<double?>? TokenLogprobs { get; set; }

    public List<Dictionary<string, double>?>? TopLogprobs { get; set; }

    /// <summary>The chat-style shape some servers (llama.cpp) use on the completions endpoint too.</summary>
    public List<ContentLogprobDto>? Content { get; set; }
}

internal sealed class ContentLogprobDto
{
    public string? Token { get; set; }

    public double? Logprob { get; set; }

    public List<ContentLogprobDto>? TopLogprobs { get; set; }
}

internal sealed class UsageDto
{
    public int? PromptTokens { get; set; }

    public int? CompletionTokens { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(CompletionChunkDto))]
internal sealed partial class OpenAiJsonContext : JsonSerializerContext;
