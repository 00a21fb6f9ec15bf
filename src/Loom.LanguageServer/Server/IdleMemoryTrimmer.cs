using System.Diagnostics;
using System.Runtime;

namespace Loom.LanguageServer.Server;

/// <summary>
/// Gives memory back when the server is idle. Large documents make large short-lived strings
/// (a 1 MB buffer is 2 MB of UTF-16, copied on open, on edits and in every reply); the GC has no
/// reason to collect them while nothing else allocates, so resident memory would keep that garbage.
/// When at least <see cref="AllocationThreshold"/> bytes were allocated since the last trim and no
/// message arrived for <see cref="IdleAfter"/>, one compacting full collection runs — never while
/// requests are being answered, so it costs no latency.
/// </summary>
public sealed class IdleMemoryTrimmer : PeriodicWork
{
    public static readonly TimeSpan IdleAfter = TimeSpan.FromMilliseconds(750);
    public const long AllocationThreshold = 16L * 1024 * 1024;

    private long _lastActivity = Stopwatch.GetTimestamp();
    private long _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();

    /// <summary>Marks that a message arrived (called for every message).</summary>
    public void Touch() => Interlocked.Exchange(ref _lastActivity, Stopwatch.GetTimestamp());

    protected override TimeSpan Period => TimeSpan.FromMilliseconds(250);

    protected override Task TickAsync()
    {
        var idle = Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastActivity));
        var allocated = GC.GetTotalAllocatedBytes();
        if (idle < IdleAfter || allocated - _allocatedAtLastTrim < AllocationThreshold)
        {
            return Task.CompletedTask;
        }
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _allocatedAtLastTrim = GC.GetTotalAllocatedBytes();
        return Task.CompletedTask;
    }
}
