using Loom.Core.Generation;
using Loom.Core.Generation.Offline;

namespace Loom.Core.Providers;

/// <summary>The offline provider: <c>offline/markov</c> and <c>offline/markov-slow</c> (about 50 ms a token).</summary>
internal static class OfflineModels
{
    private static readonly OfflineGeneratorResolver Resolver = new();

    public static ITextGenerator Create(string modelName)
    {
        if (modelName is not ("markov" or "markov-slow"))
        {
            throw new GenerationException(ErrorCategory.Config, $"unknown offline model '{modelName}': use offline/markov or offline/markov-slow.");
        }

        return Resolver.Resolve("offline/" + modelName);
    }
}
