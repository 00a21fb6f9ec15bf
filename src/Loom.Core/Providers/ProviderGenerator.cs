using System.Runtime.CompilerServices;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>What a provider's stream said, before Loom's rules are applied.</summary>
/// <param name="Text">New text (may be empty).</param>
/// <param name="Tokens">How many tokens <paramref name="Text"/> holds (deltas count one each unless the provider says more).</param>
/// <param name="PromptTokens">Prompt tokens, when the provider reported usage in this piece.</param>
/// <param name="CompletionTokens">Completion tokens so far, when the provider reported usage in this piece.</param>
internal readonly record struct ProviderDelta(
    string Text,
    TokenLogprob? Logprob = null,
    int Tokens = 0,
    int? PromptTokens = null,
    int? CompletionTokens = null,
    string? FinishReason = null);

/// <summary>
/// The rules every provider kind shares: one request per branch, retry of 429 only before the
/// first token, a per-token idle timeout, the max-tokens guard against overshoot, usage (reported
/// or estimated) with cost, echo removal for chat kinds, and an error for an empty completion.
/// </summary>
internal abstract class ProviderGenerator : ITextGenerator
{
    internal const int MaxRetries = 3;

    /// <summary>A Retry-After longer than this is not waited out: the branch fails with rateLimit at once.</summary>
    internal static readonly TimeSpan MaxRetryWait = TimeSpan.FromSeconds(60);

    /// <summary>After a finish reason, how long to wait for a usage chunk or the end of the stream.</summary>
    internal static readonly TimeSpan FinishGrace = TimeSpan.FromSeconds(2);

    protected ProviderGenerator(ProviderContext context, string modelName)
    {
        Context = context;
        ModelName = modelName;
        Price = context.Config.Prices.TryGetValue(modelName, out var p) ? p : null;
    }

    protected ProviderContext Context { get; }

    /// <summary>The model name without the provider prefix.</summary>
    protected string ModelName { get; }

    protected ModelPrice? Price { get; }

    /// <summary>Opens the provider's stream and reads it. Throw <see cref="GenerationException"/> for what the provider says; anything else is translated.</summary>
    protected abstract IAsyncEnumerable<ProviderDelta> ReadAsync(GenerationRequest request, CancellationToken cancellationToken);

    /// <summary>True when the request carries logprob parameters (which some providers refuse).</summary>
    protected virtual bool SendsLogprobs => false;

    /// <summary>The text the model may echo (chat kinds), or null when the kind never echoes.</summary>
    protected virtual string? EchoSource(GenerationRequest request) => null;

    /// <summary>True when leading whitespace of the answer must go (the prompt's trailing whitespace was held back).</summary>
    protected virtual bool DropLeadingWhitespace(GenerationRequest request) => false;

    public async IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await Context.Limiter.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var idle = new IdleTimeout();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
            var echo = EchoSource(request) is { } source ? new EchoFilter(source, DropLeadingWhitespace(request)) : null;

            int attempt = 0;
            int tokens = 0;
            long emittedChars = 0;
            int? promptTokens = null, completionTokens = null;
            string? finish = null;
            bool stoppedAtLimit = false;
            bool atLimit = false; // the branch has its tokens: only a finish reason or usage may still come
            int maxTokens = Math.Max(1, request.MaxTokens);
            TimeSpan? currentWait = null;

            IAsyncEnumerator<ProviderDelta> e = ReadAsync(request, linked.Token).GetAsyncEnumerator(linked.Token);
            try
            {
                while (true)
                {
                    bool has;
                    ProviderDelta d = default;
                    try
                    {
                        var wait = finish is null && !atLimit ? Context.Timeout : Min(Context.Timeout, FinishGrace);
                        if (wait != currentWait)
                        {
                            idle.Start(wait);
                            currentWait = wait;
                        }
                        else
                        {
                            idle.Touch();
                        }

                        has = await e.MoveNextAsync().ConfigureAwait(false);
                        if (has)
                        {
                            d = e.Current;
                        }
                    }
                    catch (Exception ex)
                    {
                        if (cancellationToken.IsCancellationRequested)
                        {
                            throw new OperationCanceledException("the branch was cancelled", ex, cancellationToken);
                        }

                        var g = ProviderErrors.Translate(Context, ex, idle.Fired && !cancellationToken.IsCancellationRequested);
                        if ((finish is not null || atLimit) && g.Category is ErrorCategory.Timeout or ErrorCategory.Network)
                        {
                            stoppedAtLimit = finish is null;
                            break; // the provider said the branch was finished; a stream that then stalls or drops has lost nothing
                        }

                        if (g.Category == ErrorCategory.Config && SendsLogprobs && request.TopLogprobs > 0 && tokens == 0 && emittedChars == 0)
                        {
                            // Logprobs are optional: a provider or model that refuses the parameter gets the request again without it.
                            Context.Log?.Invoke(Context.Redact($"{request.Model} branch {request.BranchIndex}: the provider refused the request with logprobs ({g.Message}); retrying without logprobs"));
                            request = request with { TopLogprobs = 0 };
                            idle.Pause();
                            currentWait = null;
                            await e.DisposeAsync().ConfigureAwait(false);
                            e = ReadAsync(request, linked.Token).GetAsyncEnumerator(linked.Token);
                            continue;
                        }

                        bool retry = g.Category == ErrorCategory.RateLimit && tokens == 0 && emittedChars == 0 && attempt < MaxRetries
                            && (g.RetryAfter is null || g.RetryAfter <= MaxRetryWait);
                        if (!retry)
                        {
                            Context.Log?.Invoke(Context.Redact($"{request.Model} branch {request.BranchIndex}: {g.Category.ToProtocolName()}: {g.Message}"));
                            throw g;
                        }

                        attempt++;
                        var backoff = g.RetryAfter ?? TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
                        Context.Log?.Invoke($"{request.Model} branch {request.BranchIndex}: rate limited, retry {attempt}/{MaxRetries} in {backoff.TotalSeconds:0.##} s");
                        idle.Pause();
                        currentWait = null;
                        await e.DisposeAsync().ConfigureAwait(false);
                        await Context.Delay(backoff, cancellationToken).ConfigureAwait(false);
                        e = ReadAsync(request, linked.Token).GetAsyncEnumerator(linked.Token);
                        continue;
                    }

                    if (!has)
                    {
                        break;
                    }

                    if (d.PromptTokens is int pt)
                    {
                        promptTokens = pt;
                    }

                    if (d.CompletionTokens is int ct)
                    {
                        completionTokens = ct;
                    }

                    finish = d.FinishReason ?? finish;
                    if (d.Text.Length > 0)
                    {
                        if (atLimit)
                        {
                            // The provider overshoots max_tokens: keep what was asked for and close the stream.
                            stoppedAtLimit = true;
                            break;
                        }

                        tokens += Math.Max(1, d.Tokens);
                        string text = echo is null ? d.Text : echo.Push(d.Text);
                        if (text.Length > 0)
                        {
                            emittedChars += text.Length;
                            yield return new GeneratedChunk(text, text == d.Text ? d.Logprob : null);
                        }

                        // The provider's own running count wins over ours when it sends one.
                        int seen = Math.Max(tokens, d.CompletionTokens ?? 0);
                        atLimit = seen >= maxTokens;
                    }
                }
            }
            finally
            {
                idle.Pause();
                await e.DisposeAsync().ConfigureAwait(false);
            }

            if (echo is not null && echo.Flush() is { Length: > 0 } rest)
            {
                emittedChars += rest.Length;
                yield return new GeneratedChunk(rest);
            }

            if (emittedChars == 0)
            {
                var g = new GenerationException(ErrorCategory.BadResponse, "the model returned no text");
                Context.Log?.Invoke($"{request.Model} branch {request.BranchIndex}: badResponse: {g.Message}");
                throw g;
            }

            if (stoppedAtLimit)
            {
                finish = "length";
            }

            UsageReport usage = promptTokens is int p && completionTokens is int cc && !stoppedAtLimit && cc <= maxTokens
                ? new UsageReport(p, cc, false, Price?.CostOf(p, cc))
                : Estimate(request, promptTokens, Math.Min(tokens, maxTokens));
            yield return new GeneratedChunk(string.Empty, Usage: usage, FinishReason: finish ?? "stop");
        }
        finally
        {
            Context.Limiter.Release();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private UsageReport Estimate(GenerationRequest request, int? reportedPrompt, int completion)
    {
        int prompt = reportedPrompt ?? EstimateTokens(request.Prompt) + EstimateTokens(request.Context);
        return new UsageReport(prompt, completion, true, Price?.CostOf(prompt, completion));
    }

    /// <summary>About four characters a token, the usual rule of thumb for English BPE vocabularies.</summary>
    internal static int EstimateTokens(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + 3) / 4;
}
