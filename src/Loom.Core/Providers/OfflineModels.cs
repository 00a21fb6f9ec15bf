using System.Reflection;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>
/// The offline provider: <c>offline/markov</c> and <c>offline/markov-slow</c> (about 50 ms a token),
/// served by <c>Loom.Core.Generation.Offline.MarkovTextGenerator</c>. Found by name so this layer does
/// not depend on when that type lands; once it has, this becomes a plain constructor call.
/// </summary>
internal static class OfflineModels
{
    internal const string MarkovTypeName = "Loom.Core.Generation.Offline.MarkovTextGenerator";

    internal static readonly TimeSpan SlowDelay = TimeSpan.FromMilliseconds(50);

    public static ITextGenerator Create(string modelName)
    {
        if (modelName is not ("markov" or "markov-slow"))
        {
            throw new GenerationException(ErrorCategory.Config, $"unknown offline model '{modelName}': use offline/markov or offline/markov-slow.");
        }

        var type = typeof(OfflineModels).Assembly.GetType(MarkovTypeName, throwOnError: false);
        if (type is null || !typeof(ITextGenerator).IsAssignableFrom(type))
        {
            throw new GenerationException(ErrorCategory.Internal, "the offline generator is not available in this build.");
        }

        object? generator = modelName switch
        {
            "markov" => Activator.CreateInstance(type),
            "markov-slow" => CreateSlow(type),
            _ => throw new GenerationException(ErrorCategory.Config, $"unknown offline model '{modelName}': use offline/markov or offline/markov-slow."),
        };
        return (ITextGenerator)(generator ?? throw new GenerationException(ErrorCategory.Internal, "the offline generator could not be created."));
    }

    private static object? CreateSlow(Type type)
    {
        foreach (var ctor in type.GetConstructors(BindingFlags.Public | BindingFlags.Instance))
        {
            var ps = ctor.GetParameters();
            if (ps.Length == 0 || ps.Skip(1).Any(p => !p.IsOptional))
            {
                continue;
            }

            object? first = ps[0].ParameterType switch
            {
                var t when t == typeof(TimeSpan) => SlowDelay,
                var t when t == typeof(int) => (int)SlowDelay.TotalMilliseconds,
                var t when t == typeof(double) => SlowDelay.TotalMilliseconds,
                _ => null,
            };
            if (first is not null)
            {
                return ctor.Invoke([first, .. ps.Skip(1).Select(p => p.DefaultValue)]);
            }
        }

        throw new GenerationException(ErrorCategory.Internal, "the offline generator has no constructor taking a per-token delay.");
    }
}
