using System.Diagnostics;

namespace Loom.Benchmarks;

/// <summary>Small timing helpers: run an action many times, report median and p99 in milliseconds.</summary>
public static class Measure
{
    public sealed record Result(string Name, int Samples, double MedianMs, double P99Ms, double MaxMs)
    {
        public override string ToString() =>
            $"{Name,-48} n={Samples,6}  median={MedianMs,8:F3} ms  p99={P99Ms,8:F3} ms  max={MaxMs,8:F3} ms";
    }

    public static Result Repeat(string name, int samples, Action action, int warmup = 20)
    {
        for (var i = 0; i < warmup; i++)
        {
            action();
        }
        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return new Result(name, samples, times[samples / 2], times[Math.Min(samples - 1, (int)(samples * 0.99))], times[^1]);
    }

    /// <summary>Times two actions that undo each other (e.g. child/parent), each on its own.</summary>
    public static (Result First, Result Second) Alternate(string firstName, Action first, string secondName, Action second, int samples, int warmup = 20)
    {
        for (var i = 0; i < warmup; i++)
        {
            first();
            second();
        }
        var a = new double[samples];
        var b = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var start = Stopwatch.GetTimestamp();
            first();
            a[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            start = Stopwatch.GetTimestamp();
            second();
            b[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return (Summarize(firstName, a), Summarize(secondName, b));
    }

    private static Result Summarize(string name, double[] times)
    {
        Array.Sort(times);
        return new Result(name, times.Length, times[times.Length / 2], times[Math.Min(times.Length - 1, (int)(times.Length * 0.99))], times[^1]);
    }

    public static double Once(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
