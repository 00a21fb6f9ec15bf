using System.Diagnostics;
using System.Text;
using Loom.LanguageServer.Protocol;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// Batches streamed tokens into at most one <c>loom/generation</c> token notification per branch per
/// <see cref="Window"/>: a token goes out at once when its branch sent nothing for a window, else
/// with the next flush, which is never more than one window away.
/// </summary>
public sealed class TokenBatcher : IDisposable
{
    public static readonly TimeSpan Window = TimeSpan.FromMilliseconds(16);

    private readonly string _uri;
    private readonly string _generationId;
    private readonly OrderedNotifier _notifier;
    private readonly object _gate = new();
    private readonly Dictionary<int, (StringBuilder Text, string Model)> _pending = new();
    private readonly Dictionary<int, long> _lastSent = new();
    private readonly Timer _timer;
    private bool _timerArmed;
    private bool _disposed;

    public TokenBatcher(string uri, string generationId, OrderedNotifier notifier)
    {
        _uri = uri;
        _generationId = generationId;
        _notifier = notifier;
        _timer = new Timer(_ => FlushAll(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public long TokenCount { get; private set; }

    public void Add(int branchIdx, string token, string model)
    {
        lock (_gate)
        {
            TokenCount++;
            if (!_pending.TryGetValue(branchIdx, out var entry))
            {
                entry = (new StringBuilder(), model);
                _pending[branchIdx] = entry;
            }
            entry.Text.Append(token);
            var now = Stopwatch.GetTimestamp();
            if (!_lastSent.TryGetValue(branchIdx, out var last) || Stopwatch.GetElapsedTime(last, now) >= Window)
            {
                SendLocked(branchIdx, now);
                return;
            }
            if (!_timerArmed && !_disposed)
            {
                _timerArmed = true;
                var due = Window - Stopwatch.GetElapsedTime(last, now);
                _timer.Change(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Sends everything pending now (before the terminal event).</summary>
    public void FlushAll()
    {
        lock (_gate)
        {
            _timerArmed = false;
            var now = Stopwatch.GetTimestamp();
            foreach (var branch in _pending.Keys.Order().ToList())
            {
                SendLocked(branch, now);
            }
        }
    }

    private void SendLocked(int branchIdx, long now)
    {
        if (!_pending.Remove(branchIdx, out var entry) || entry.Text.Length == 0)
        {
            return;
        }
        _lastSent[branchIdx] = now;
        _notifier.Send(Methods.LoomGeneration, new LoomGenerationEvent(
            _uri, _generationId, "token", BranchIdx: branchIdx, Token: entry.Text.ToString(), Model: entry.Model));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
        _timer.Dispose();
    }
}
