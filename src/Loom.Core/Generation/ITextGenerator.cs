namespace Loom.Core.Generation;

/// <summary>
/// Streams the continuation of one branch. One call = one branch = one request to a provider
/// (providers ignore or mishandle <c>n</c>, so Loom never relies on it). Implementations must
/// stop within 100 ms of <paramref name="cancellationToken"/> firing (closing any connection) and
/// must throw <see cref="GenerationException"/> with a category for every failure they can name.
/// </summary>
public interface ITextGenerator
{
    IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, CancellationToken cancellationToken);
}

/// <summary>Finds the generator for a model name of the form <c>provider/model</c>.</summary>
public interface IGeneratorResolver
{
    /// <summary>Throws <see cref="GenerationException"/> with <see cref="ErrorCategory.Config"/> for unknown providers or missing keys.</summary>
    ITextGenerator Resolve(string model);
}

/// <summary>What one branch is asked for.</summary>
/// <param name="Model">Full model name, <c>provider/model</c>.</param>
/// <param name="Prompt">The path text exactly as the buffer shows it (never trimmed).</param>
/// <param name="Context">The tree's context (system prompt), or null.</param>
/// <param name="BranchIndex">The branch's index across the whole plan.</param>
/// <param name="Seed">A per-branch seed, for generators that take one.</param>
/// <param name="TopLogprobs">How many alternatives per token to ask for (0: none).</param>
/// <param name="CorpusText">Text a local generator may learn from (the offline Markov model).</param>
public sealed record GenerationRequest(
    string Model,
    string Prompt,
    string? Context,
    int MaxTokens,
    double Temperature,
    int BranchIndex,
    int Seed,
    int TopLogprobs = 0,
    string? CorpusText = null);

/// <summary>A piece of a streamed branch: text, and what the provider said about it.</summary>
public sealed record GeneratedChunk(string Text, TokenLogprob? Logprob = null, UsageReport? Usage = null, string? FinishReason = null)
{
    public static GeneratedChunk FromUsage(UsageReport usage) => new(string.Empty, Usage: usage);
}

/// <summary>A generated token with its log probability and the top alternatives.</summary>
public sealed record TokenLogprob(string Token, double Logprob, IReadOnlyList<TokenAlternative> TopAlternatives);

public sealed record TokenAlternative(string Token, double Logprob);

/// <summary>Token counts; <see cref="Estimated"/> when the provider sent none and Loom counted.</summary>
public sealed record UsageReport(int PromptTokens, int CompletionTokens, bool Estimated = false, double? CostUsd = null);
