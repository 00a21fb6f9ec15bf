using Loom.Core.Generation;
using Loom.Core.Generation.Offline;

namespace Loom.Cli;

/// <summary>Which generators the command line can use.</summary>
internal static class Generators
{
    /// <summary>
    /// The offline generators (<c>offline/markov</c>). When the provider registry lands in Loom.Core,
    /// this is the one place to resolve real models through it.
    /// </summary>
    public static IGeneratorResolver Resolver() => new OfflineGeneratorResolver();
}
