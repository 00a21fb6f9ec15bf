using System.Globalization;

namespace Loom.Reliability.Tests.Support;

/// <summary>Seeded randomness: the seed comes from <c>LOOM_RELIABILITY_SEED</c> when set, and every failure names it.</summary>
public static class Seeds
{
    public static int For(int fallback)
    {
        var env = Environment.GetEnvironmentVariable("LOOM_RELIABILITY_SEED");
        return int.TryParse(env, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : fallback;
    }

    /// <summary>Runs <paramref name="body"/>; any failure is rethrown with the seed to reproduce it.</summary>
    public static async Task RunAsync(int seed, Func<Random, Task> body)
    {
        try
        {
            await body(new Random(seed));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"failed with seed {seed} (rerun with LOOM_RELIABILITY_SEED={seed}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }
}
