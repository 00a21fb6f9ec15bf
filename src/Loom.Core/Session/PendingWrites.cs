using Loom.Core.Store;

namespace Loom.Core.Session;

/// <summary>
/// Writes of one session, in order. Normally each goes straight to the store as one transaction. When the
/// store fails for a reason that can clear (disk full, I/O error, locked too long, the file turned
/// read-only), the write is kept in memory instead, the session goes on, and kept writes are applied in
/// their original order at the next write or <see cref="TryFlush"/>. Errors of the change itself (an
/// unknown node) still throw at once, before anything changes.
/// </summary>
internal sealed class PendingWrites(ILoomStore store)
{
    private readonly object _gate = new();
    private readonly Queue<RecordedWrite> _queue = new();

    /// <summary>Why writes are being held back, or null when everything is written.</summary>
    public string? Fault { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public T Write<T>(Func<IStoreWriter, T> write)
    {
        var recorded = new RecordedWrite();
        var result = write(recorded);
        lock (_gate)
        {
            if (_queue.Count == 0)
            {
                try
                {
                    store.Write(w =>
                    {
                        recorded.ApplyTo(w);
                        return 0;
                    });
                    return result;
                }
                catch (LoomStoreException e) when (IsTransient(e))
                {
                    Fault = e.Message;
                    _queue.Enqueue(recorded);
                    return result;
                }
            }
            _queue.Enqueue(recorded);
            FlushLocked();
            return result;
        }
    }

    /// <summary>Tries to apply held-back writes; true when nothing is pending any more.</summary>
    public bool TryFlush()
    {
        lock (_gate)
        {
            FlushLocked();
            return _queue.Count == 0;
        }
    }

    private void FlushLocked()
    {
        while (_queue.Count > 0)
        {
            var next = _queue.Peek();
            try
            {
                store.Write(w =>
                {
                    next.ApplyTo(w);
                    return 0;
                });
                _queue.Dequeue();
            }
            catch (LoomStoreException e) when (IsTransient(e))
            {
                Fault = e.Message;
                return;
            }
            catch (LoomStoreException e)
            {
                // The held-back change no longer fits the tree (e.g. another program deleted its node): drop it, say so.
                _queue.Dequeue();
                Fault = "a change made while the database could not be written was dropped: " + e.Message;
                return;
            }
        }
        Fault = null;
    }

    private bool IsTransient(LoomStoreException e) =>
        e is StoreWriteException { IsTransient: true } || (e is StoreReadOnlyException && !store.IsReadOnly);
}
