namespace Loom.Core.Providers;

/// <summary>
/// Cancels <see cref="Token"/> when nothing arrived for the timeout. Touching it costs one clock read
/// (no timer change per token): the timer wakes up once per timeout and looks at the last touch.
/// </summary>
internal sealed class IdleTimeout : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Timer _timer;
    private long _lastTouch;
    private long _timeoutMs = Timeout.Infinite;

    public IdleTimeout()
    {
        _timer = new Timer(static s => ((IdleTimeout)s!).Check(), this, Timeout.Infinite, Timeout.Infinite);
    }

    public CancellationToken Token => _cts.Token;

    public bool Fired => _cts.IsCancellationRequested;

    /// <summary>Restarts the wait with <paramref name="timeout"/> from now.</summary>
    public void Start(TimeSpan timeout)
    {
        long ms = Math.Max(1, (long)timeout.TotalMilliseconds);
        Volatile.Write(ref _lastTouch, Environment.TickCount64);
        if (Interlocked.Exchange(ref _timeoutMs, ms) != ms)
        {
            _timer.Change(ms, Timeout.Infinite);
        }
    }

    /// <summary>Something arrived.</summary>
    public void Touch() => Volatile.Write(ref _lastTouch, Environment.TickCount64);

    /// <summary>No timeout until the next <see cref="Start"/> (waits between retries).</summary>
    public void Pause()
    {
        Interlocked.Exchange(ref _timeoutMs, Timeout.Infinite);
        _timer.Change(Timeout.Infinite, Timeout.Infinite);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cts.Dispose();
    }

    private void Check()
    {
        long timeout = Volatile.Read(ref _timeoutMs);
        if (timeout == Timeout.Infinite)
        {
            return;
        }

        long idle = Environment.TickCount64 - Volatile.Read(ref _lastTouch);
        if (idle >= timeout)
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
        else
        {
            try
            {
                _timer.Change(timeout - idle, Timeout.Infinite);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
