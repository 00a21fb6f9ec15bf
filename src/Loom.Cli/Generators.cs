using Loom.Core.Generation;
using Loom.Core.Providers;

namespace Loom.Cli;

/// <summary>Which generators the command line can use.</summary>
internal static class Generators
{
    /// <summary>
    /// The built-in providers (keys from the environment, e.g. <c>OPENAI_API_KEY</c>) and the offline
    /// models (<c>offline/markov</c>).
    /// </summary>
    public static IGeneratorResolver Resolver() => new ProviderRegistry(null, new ApiKeyStore());
}
