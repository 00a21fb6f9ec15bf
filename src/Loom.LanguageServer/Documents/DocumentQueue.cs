namespace Loom.LanguageServer.Documents;

/// <summary>
/// The work queue of one document. Mutations run one at a time, strictly in the order they were
/// enqueued, each after every earlier item has finished; reads wait only for the mutations enqueued
/// before them, so reads run in parallel with each other. Enqueueing is synchronous, so the order
/// of calls is the order of arrival. Queues of different documents never wait on each other.
/// </summary>
public sealed class DocumentQueue
{
    private readonly object _gate = new();
    private Task _lastMutation;
    private readonly List<Task> _readsSinceMutation = new();

    public DocumentQueue(Task? predecessor = null) => _lastMutation = predecessor ?? Task.CompletedTask;

    /// <summary>Completes when everything enqueued so far has finished (successfully or not).</summary>
    public Task Drained
    {
        get
        {
            lock (_gate)
            {
                return _readsSinceMutation.Count == 0
                    ? _lastMutation
                    : Task.WhenAll(_readsSinceMutation.Append(_lastMutation));
            }
        }
    }

    public Task<T> EnqueueMutation<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var predecessor = _readsSinceMutation.Count == 0
                ? _lastMutation
                : Task.WhenAll(_readsSinceMutation.Append(_lastMutation));
            _readsSinceMutation.Clear();
            var task = RunAfter(predecessor, work, cancellationToken);
            _lastMutation = task;
            return task;
        }
    }

    public Task<T> EnqueueRead<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _readsSinceMutation.RemoveAll(t => t.IsCompleted);
            var task = RunAfter(_lastMutation, work, cancellationToken);
            _readsSinceMutation.Add(task);
            return task;
        }
    }

    private static async Task<T> RunAfter<T>(Task predecessor, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await predecessor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
        return await work().ConfigureAwait(false);
    }
}
