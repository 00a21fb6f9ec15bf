namespace Loom.Core.Tree;

/// <summary>
/// Timestamps for new nodes that never repeat or go backwards within one clock, so children
/// ordered by <c>created_at</c> keep the order in which they were made.
/// </summary>
public sealed class MonotonicClock(TimeProvider time)
{
    private readonly object _gate = new();
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    public MonotonicClock() : this(TimeProvider.System)
    {
    }

    public string Next()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            // Timestamps are written with microsecond precision: compare at that precision.
            now = new DateTimeOffset(now.Ticks - (now.Ticks % 10), TimeSpan.Zero);
            if (now <= _last)
            {
                now = _last.AddTicks(10);
            }
            _last = now;
            return Ids.Timestamp(now);
        }
    }
}
