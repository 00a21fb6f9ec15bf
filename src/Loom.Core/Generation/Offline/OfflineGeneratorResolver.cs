namespace Loom.Core.Generation.Offline;

/// <summary>Resolves only the offline models; the default when no provider registry is given.</summary>
public sealed class OfflineGeneratorResolver : IGeneratorResolver
{
    public const string MarkovModel = "offline/markov";
    public const string SlowMarkovModel = "offline/markov-slow";

    private readonly MarkovTextGenerator _fast = new();
    private readonly MarkovTextGenerator _slow = new(TimeSpan.FromMilliseconds(50));

    public ITextGenerator Resolve(string model) => model switch
    {
        MarkovModel => _fast,
        SlowMarkovModel => _slow,
        _ => throw new GenerationException(ErrorCategory.Config,
            $"unknown model '{model}': without a provider configuration only '{MarkovModel}' and '{SlowMarkovModel}' are available"),
    };
}
