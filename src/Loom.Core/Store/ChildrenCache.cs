using Loom.Core.Tree;

namespace Loom.Core.Store;

/// <summary>
/// The children of recently read nodes, so navigating back and forth does not read the same rows
/// again. Only <see cref="SqliteLoomStore"/> touches it, under its lock. A write transaction records
/// what it changed (<see cref="Pending"/>) and the store applies that after the commit; a failed write
/// or another process's commit clears everything. Bounded: it forgets all when it holds too many lists.
/// </summary>
internal sealed class ChildrenCache
{
    private const int MaxLists = 256;

    private readonly Dictionary<string, Node[]> _childrenOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _parentOfCached = new(StringComparer.Ordinal);

    public bool TryGet(string parentId, out Node[] children) => _childrenOf.TryGetValue(parentId, out children!);

    public void Put(string parentId, Node[] children)
    {
        if (_childrenOf.Count >= MaxLists)
        {
            Clear();
        }
        Forget(parentId);
        _childrenOf[parentId] = children;
        foreach (var child in children)
        {
            _parentOfCached[child.Id] = parentId;
        }
    }

    public void Clear()
    {
        _childrenOf.Clear();
        _parentOfCached.Clear();
    }

    /// <summary>Drops the list under <paramref name="parentId"/>.</summary>
    public void Forget(string? parentId)
    {
        if (parentId is not null && _childrenOf.Remove(parentId, out var old))
        {
            foreach (var child in old)
            {
                _parentOfCached.Remove(child.Id);
            }
        }
    }

    /// <summary>Drops the list that holds <paramref name="nodeId"/> (its row changed).</summary>
    public void ForgetListHolding(string nodeId)
    {
        if (_parentOfCached.TryGetValue(nodeId, out var parentId))
        {
            Forget(parentId);
        }
    }

    /// <summary>The checked-out flags under <paramref name="parentId"/> as <c>SetCheckedOutChild</c> leaves them.</summary>
    public void SetCheckedOut(string parentId, string? nodeId)
    {
        if (!_childrenOf.TryGetValue(parentId, out var list))
        {
            return;
        }
        var updated = new Node[list.Length];
        for (var i = 0; i < list.Length; i++)
        {
            var on = nodeId is not null && list[i].Id == nodeId;
            updated[i] = list[i].CheckedOut == on ? list[i] : list[i] with { CheckedOut = on };
        }
        _childrenOf[parentId] = updated;
    }

    /// <summary>What one write transaction did to cached lists, applied only once it committed.</summary>
    public sealed class Pending
    {
        private readonly List<Action<ChildrenCache>> _changes = new();
        private bool _clearAll;

        public void Forget(string? parentId) => Add(c => c.Forget(parentId));

        public void ForgetListHolding(string nodeId) => Add(c => c.ForgetListHolding(nodeId));

        public void SetCheckedOut(string parentId, string? nodeId) => Add(c => c.SetCheckedOut(parentId, nodeId));

        public void ClearAll() => _clearAll = true;

        private void Add(Action<ChildrenCache> change)
        {
            if (_clearAll)
            {
                return;
            }
            _changes.Add(change);
            if (_changes.Count > 1_000)
            {
                // A bulk write (an import): forgetting everything is cheaper than replaying it.
                _clearAll = true;
                _changes.Clear();
            }
        }

        public void ApplyTo(ChildrenCache cache)
        {
            if (_clearAll)
            {
                cache.Clear();
                return;
            }
            foreach (var change in _changes)
            {
                change(cache);
            }
        }
    }
}
