using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Loom.Core.Generation.Offline;

/// <summary>
/// The offline model <c>offline/markov</c>: a word-level Markov chain (order 2) trained on the path text
/// and on text stored in the loom database, seeded per branch so branches differ. It is not a language
/// model; it exists so a new user can branch with no key and no network. <c>offline/markov-slow</c> is the
/// same with a delay per token, for trying out streaming and cancel.
/// </summary>
public sealed partial class MarkovTextGenerator : ITextGenerator
{
    public const string Description = "offline Markov chain over your own text (not a language model)";

    private const string FallbackCorpus =
        "The lighthouse keeper counted the gulls at dawn, and the gulls counted him back. " +
        "Every morning the tide left something new on the shingle: a bottle, a boot, a letter with the ink run blue. " +
        "She kept the letters in a tin and read them when the fog came in, one a night, never two. " +
        "Somewhere beyond the harbour a bell rang for no ship at all. " +
        "The village said the keeper talked to the sea, and the sea, being the sea, said nothing and meant everything.";

    private readonly TimeSpan _perTokenDelay;

    public MarkovTextGenerator()
        : this(TimeSpan.Zero)
    {
    }

    public MarkovTextGenerator(TimeSpan perTokenDelay) => _perTokenDelay = perTokenDelay;

    [GeneratedRegex(@"\s*\S+", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    public async IAsyncEnumerable<GeneratedChunk> StreamAsync(GenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var chain = Build((request.CorpusText ?? string.Empty) + "\n" + request.Prompt);
        var random = new Random(request.Seed);
        var promptTokens = Tokenize(request.Prompt);
        var (a, b) = promptTokens.Count >= 2
            ? (Normalize(promptTokens[^2]), Normalize(promptTokens[^1]))
            : (string.Empty, promptTokens.Count == 1 ? Normalize(promptTokens[0]) : string.Empty);
        var produced = 0;
        while (produced < request.MaxTokens)
        {
            var next = chain.Next(a, b, random, request.Temperature);
            // A token after a newline or at the very start keeps its own spacing; otherwise words are separated by one space.
            var text = produced == 0 && request.Prompt.Length > 0 && !char.IsWhiteSpace(request.Prompt[^1]) ? " " + next : produced == 0 ? next : " " + next;
            produced++;
            var usage = produced == request.MaxTokens ? new UsageReport(promptTokens.Count, produced, Estimated: true, CostUsd: 0) : null;
            yield return new GeneratedChunk(text, Usage: usage, FinishReason: usage is null ? null : "length");
            (a, b) = (b, Normalize(next));
            if (_perTokenDelay > TimeSpan.Zero)
            {
                await Task.Delay(_perTokenDelay, cancellationToken).ConfigureAwait(false);
            }
            else if (produced % 64 == 0)
            {
                await Task.Yield();
            }
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static List<string> Tokenize(string text) =>
        TokenPattern().Matches(text).Select(m => m.Value.Trim()).Where(t => t.Length > 0).ToList();

    private static string Normalize(string token) => token.ToLowerInvariant();

    private static Chain Build(string text)
    {
        var tokens = Tokenize(text);
        if (tokens.Count < 12)
        {
            tokens.AddRange(Tokenize(FallbackCorpus));
        }
        return new Chain(tokens);
    }

    /// <summary>Transitions from the last two words (and, as a fallback, the last word) to the next word.</summary>
    private sealed class Chain
    {
        private readonly Dictionary<(string, string), Dictionary<string, int>> _order2 = new();
        private readonly Dictionary<string, Dictionary<string, int>> _order1 = new(StringComparer.Ordinal);
        private readonly List<string> _all;

        public Chain(List<string> tokens)
        {
            _all = tokens;
            for (var i = 0; i < tokens.Count; i++)
            {
                var next = tokens[i];
                if (i >= 1)
                {
                    Count(_order1, Normalize(tokens[i - 1]), next);
                }
                if (i >= 2)
                {
                    var key = (Normalize(tokens[i - 2]), Normalize(tokens[i - 1]));
                    if (!_order2.TryGetValue(key, out var d))
                    {
                        _order2[key] = d = new Dictionary<string, int>(StringComparer.Ordinal);
                    }
                    d[next] = d.GetValueOrDefault(next) + 1;
                }
            }
        }

        private static void Count(Dictionary<string, Dictionary<string, int>> table, string key, string next)
        {
            if (!table.TryGetValue(key, out var d))
            {
                table[key] = d = new Dictionary<string, int>(StringComparer.Ordinal);
            }
            d[next] = d.GetValueOrDefault(next) + 1;
        }

        public string Next(string a, string b, Random random, double temperature)
        {
            // A small corpus makes long deterministic runs; leaving them now and then keeps branches apart.
            var greedy = temperature <= 0.01;
            if (_order2.TryGetValue((a, b), out var d2) && (greedy || d2.Count > 1 || random.NextDouble() < 0.5))
            {
                return Sample(d2, random, temperature);
            }
            if (_order1.TryGetValue(b, out var d1) && (greedy || d1.Count > 1 || random.NextDouble() < 0.85))
            {
                return Sample(d1, random, temperature);
            }
            return _all[random.Next(_all.Count)];
        }

        private static string Sample(Dictionary<string, int> counts, Random random, double temperature)
        {
            if (temperature <= 0.01)
            {
                return counts.MaxBy(kv => kv.Value).Key;
            }
            var weights = counts.Select(kv => (kv.Key, W: Math.Pow(kv.Value, 1.0 / temperature))).ToList();
            var total = weights.Sum(w => w.W);
            var pick = random.NextDouble() * total;
            foreach (var (key, w) in weights)
            {
                pick -= w;
                if (pick <= 0)
                {
                    return key;
                }
            }
            return weights[^1].Key;
        }
    }
}
