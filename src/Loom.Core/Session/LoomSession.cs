using System.Collections.Immutable;
using Loom.Core.Generation;
using Loom.Core.Generation.Offline;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Session;

/// <summary>
/// The stateful session over one tree: the seed's LoomSession. Every method returns (or leaves) a new
/// immutable <see cref="SessionState"/>; every change is written to the store at once, as one transaction,
/// so nothing waits for <see cref="Save"/>. Mutations are serialized by a lock; <see cref="GetState"/> never blocks.
/// A generation runs beside navigation: its nodes attach to the node it started from.
/// </summary>
public sealed partial class LoomSession : IDisposable
{
    private readonly object _gate = new();
    private readonly IGeneratorResolver _generators;
    private readonly LoomSessionOptions _options;
    private readonly MonotonicClock _clock;
    private readonly PendingWrites _writes;
    private SessionState _state;
    private TreeRecord _tree;
    private ViewMode _viewMode = ViewMode.Branch;
    private string? _hoistedNodeId;
    private bool _disposed;

    public LoomSession(ILoomStore store, string startNodeId, IGeneratorResolver? generators = null, LoomSessionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(startNodeId);
        Store = store;
        _generators = generators ?? new OfflineGeneratorResolver();
        _options = options ?? new LoomSessionOptions();
        _clock = new MonotonicClock(_options.Time);
        _writes = new PendingWrites(store);
        var start = store.GetNode(startNodeId);
        if (start.Kind == NodeKind.Context)
        {
            _tree = store.GetTree(start.TreeId);
            start = store.GetNode(_tree.CurrentNodeId is { } cur && store.TryGetNode(cur) is { Kind: not NodeKind.Context } ? cur : start.TreeId);
        }
        _tree = store.GetTree(start.TreeId);
        _state = BuildState(store.GetLineage(start.Id));
    }

    public ILoomStore Store { get; }

    public string TreeId => Volatile.Read(ref _state).TreeId;

    /// <summary>Raised after changes that no direct call returned: nodes added by a running generation, <see cref="Reload"/>.</summary>
    public event EventHandler<SessionState>? StateChanged;

    public SessionState GetState() => Volatile.Read(ref _state);

    /// <summary>Why changes are held in memory instead of written (disk full, read-only file…), or null.</summary>
    public string? StoreFault => _writes.Fault;

    /// <summary>How many changes wait to be written because of <see cref="StoreFault"/>.</summary>
    public int PendingWriteCount => _writes.Count;

    /// <summary>Writes held-back changes if the store accepts them again; true when nothing is pending.</summary>
    public bool FlushPendingWrites() => _writes.TryFlush();

    /// <summary>Every write of the session goes here: one transaction, or held in memory while the store cannot be written.</summary>
    private T Persist<T>(Func<IStoreWriter, T> write) => _writes.Write(write);

    // ---- navigation -------------------------------------------------------------------------

    public SessionState NavigateChild(int? index = null) => Mutate(s =>
    {
        if (s.Children.IsEmpty)
        {
            return s;
        }
        var idx = index ?? s.SelectedChildIdx;
        if (idx < 0 || idx >= s.Children.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), idx, $"index must be between 0 and {s.Children.Length - 1}");
        }
        var child = s.Children[idx];
        Persist(w =>
        {
            w.SetCheckedOutChild(s.CurrentNodeId, child.Id);
            w.SetCurrentNode(s.TreeId, child.Id);
            return 0;
        });
        var continuation = idx == s.SelectedChildIdx && s.ContinuationText.StartsWith(child.Text, StringComparison.Ordinal)
            ? s.ContinuationText[child.Text.Length..]
            : null;
        return BuildState(
            s.Lineage.Add(child with { CheckedOut = true }),
            s.FullText + child.Text,
            s.SegmentStarts.Add(s.FullText.Length),
            continuation);
    });

    public SessionState NavigateParent() => Mutate(s =>
    {
        if (s.Lineage.Length <= 1 || s.CurrentNodeId == _hoistedNodeId)
        {
            return s;
        }
        var current = s.CurrentNode;
        var parent = s.Lineage[^2];
        Persist(w =>
        {
            w.SetCheckedOutChild(parent.Id, current.Id);
            w.SetCurrentNode(s.TreeId, parent.Id);
            return 0;
        });
        var start = s.SegmentStarts[^1];
        return BuildState(
            s.Lineage.RemoveAt(s.Lineage.Length - 1),
            s.FullText[..start],
            s.SegmentStarts.RemoveAt(s.SegmentStarts.Length - 1),
            current.Text + s.ContinuationText);
    });

    /// <summary>Selects another child of the current node (the one <see cref="NavigateChild"/> enters); wraps at both ends.</summary>
    public SessionState SelectSibling(int delta) => Mutate(s =>
    {
        if (s.Children.Length <= 1 || delta == 0)
        {
            return s;
        }
        var n = s.Children.Length;
        var idx = (int)((((long)s.SelectedChildIdx + delta) % n + n) % n);
        var child = s.Children[idx];
        Persist(w =>
        {
            w.SetCheckedOutChild(s.CurrentNodeId, child.Id);
            return 0;
        });
        return BuildState(s.Lineage, s.FullText, s.SegmentStarts);
    });

    /// <summary>Makes any node of this tree the current node (its path becomes the checked-out path).</summary>
    public SessionState Checkout(string nodeId) => Mutate(s =>
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        if (nodeId == s.CurrentNodeId)
        {
            return s;
        }
        var node = Store.GetNode(nodeId);
        if (node.TreeId != s.TreeId)
        {
            throw new ArgumentException($"node '{nodeId}' belongs to another tree ('{node.TreeId}')", nameof(nodeId));
        }
        if (node.Kind == NodeKind.Context)
        {
            throw new ArgumentException($"node '{nodeId}' is the tree's context, not part of a path", nameof(nodeId));
        }
        var lineage = Store.GetLineage(nodeId);
        PersistCheckout(lineage);
        if (_hoistedNodeId is not null && !lineage.Any(n => n.Id == _hoistedNodeId))
        {
            _hoistedNodeId = null;
        }
        return BuildState(lineage.Select(n => n.ParentId is null ? n : n with { CheckedOut = true }).ToImmutableArray());
    });

    private void PersistCheckout(IReadOnlyList<Node> lineage) => Persist(w =>
    {
        for (var i = 1; i < lineage.Count; i++)
        {
            if (!lineage[i].CheckedOut)
            {
                w.SetCheckedOutChild(lineage[i - 1].Id, lineage[i].Id);
            }
        }
        w.SetCurrentNode(lineage[0].TreeId, lineage[^1].Id);
        return 0;
    });

    // ---- configuration ------------------------------------------------------------------------

    public SessionState SetModel(string model)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        return UpdateFirstPlanEntry(e => e with { Model = model.Trim() });
    }

    public SessionState SetMaxTokens(int maxTokens)
    {
        ModelPlanEntry.ValidateMaxTokens(maxTokens);
        return UpdateFirstPlanEntry(e => e with { MaxTokens = maxTokens });
    }

    public SessionState SetNBranches(int branches)
    {
        ModelPlanEntry.ValidateBranches(branches);
        return UpdateFirstPlanEntry(e => e with { NBranches = branches });
    }

    public SessionState SetTemperature(double temperature)
    {
        ModelPlanEntry.ValidateTemperature(temperature);
        return UpdateFirstPlanEntry(e => e with { Temperature = temperature });
    }

    /// <summary>Replaces the tree's multi-model plan (at least one entry; every entry validated first).</summary>
    public SessionState SetModelPlan(IReadOnlyList<ModelPlanEntry> plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Count == 0)
        {
            throw new ArgumentException("the model plan needs at least one entry", nameof(plan));
        }
        var validated = plan.Select(e => e.Validated()).ToImmutableArray();
        return Mutate(s =>
        {
            Persist(w =>
            {
                w.SetModelPlan(s.TreeId, validated);
                return 0;
            });
            _tree = _tree with { ModelPlan = validated };
            return BuildState(s.Lineage, s.FullText, s.SegmentStarts, s.ContinuationText);
        });
    }

    private SessionState UpdateFirstPlanEntry(Func<ModelPlanEntry, ModelPlanEntry> change) => Mutate(s =>
    {
        var plan = s.ModelPlan.SetItem(0, change(s.ModelPlan[0]));
        Persist(w =>
        {
            w.SetModelPlan(s.TreeId, plan);
            return 0;
        });
        _tree = _tree with { ModelPlan = plan };
        return BuildState(s.Lineage, s.FullText, s.SegmentStarts, s.ContinuationText);
    });

    /// <summary>Sets the tree's context (system prompt); an empty text removes it.</summary>
    public SessionState SetContext(string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Mutate(s =>
        {
            var existing = Store.GetContextNode(s.TreeId);
            Persist(w =>
            {
                if (existing is not null && context.Length == 0)
                {
                    w.SetContextId(s.RootId, null);
                    w.DeleteSubtree(existing.Id);
                }
                else if (existing is not null)
                {
                    w.UpdateNodeText(existing.Id, context);
                }
                else if (context.Length > 0)
                {
                    var id = Ids.NewId();
                    w.InsertNode(new Node(id, s.TreeId, null, NodeKind.Context, context, null, null, null, null, null, false, _clock.Next(), NodeMetadata.Empty));
                    w.SetContextId(s.RootId, id);
                }
                return 0;
            });
            return BuildState(Store.GetLineage(s.CurrentNodeId).ToImmutableArray(), s.FullText, s.SegmentStarts, s.ContinuationText);
        });
    }

    // ---- bookmarks ----------------------------------------------------------------------------

    /// <summary>Flips the bookmark of the current node (or <paramref name="nodeId"/>); returns whether it is now bookmarked.</summary>
    public bool ToggleBookmark(string? nodeId = null)
    {
        var bookmarked = false;
        Mutate(s =>
        {
            var node = nodeId is null || nodeId == s.CurrentNodeId ? s.CurrentNode : Store.GetNode(nodeId);
            if (node.TreeId != s.TreeId)
            {
                throw new ArgumentException($"node '{node.Id}' belongs to another tree", nameof(nodeId));
            }
            bookmarked = !node.IsBookmarked;
            var metadata = bookmarked ? node.Metadata.With(NodeMetadata.Bookmarked, true) : node.Metadata.Without(NodeMetadata.Bookmarked);
            Persist(w =>
            {
                w.UpdateNodeMetadata(node.Id, metadata);
                return 0;
            });
            return BuildState(ReplaceInLineage(s.Lineage, node.Id, n => n with { Metadata = metadata }), s.FullText, s.SegmentStarts, s.ContinuationText);
        });
        return bookmarked;
    }

    /// <summary>Goes to the next bookmarked node after the current one in tree order, cycling; unchanged when there are none.</summary>
    public SessionState NextBookmark()
    {
        var s = GetState();
        var bookmarks = Store.GetBookmarks(s.TreeId);
        if (bookmarks.Count == 0)
        {
            return s;
        }
        var currentKey = TreeOrderKey(s.Lineage);
        var next = bookmarks.FirstOrDefault(b => string.CompareOrdinal(TreeOrderKey(Store.GetLineage(b.Id)), currentKey) > 0) ?? bookmarks[0];
        return Checkout(next.Id);
    }

    private static string TreeOrderKey(IEnumerable<Node> lineage) =>
        string.Join('\u0001', lineage.Select(n => n.CreatedAt + "\u0002" + n.Id));

    // ---- views ----------------------------------------------------------------------------------

    public SessionState ToggleTreeView() => Mutate(s =>
    {
        _viewMode = _viewMode == ViewMode.Branch ? ViewMode.Tree : ViewMode.Branch;
        return BuildState(s.Lineage, s.FullText, s.SegmentStarts, s.ContinuationText);
    });

    public SessionState ToggleModelNames() => Mutate(s =>
    {
        var show = !_tree.ShowModelNames;
        Persist(w =>
        {
            w.SetShowModelNames(s.TreeId, show);
            return 0;
        });
        _tree = _tree with { ShowModelNames = show };
        return BuildState(s.Lineage, s.FullText, s.SegmentStarts, s.ContinuationText);
    });

    /// <summary>Hoists the current node as the display root, or unhoists.</summary>
    public SessionState ToggleHoist() => Mutate(s =>
    {
        _hoistedNodeId = _hoistedNodeId is null ? s.CurrentNodeId : null;
        return BuildState(s.Lineage, s.FullText, s.SegmentStarts, s.ContinuationText);
    });

    // ---- structure ----------------------------------------------------------------------------

    /// <summary>
    /// Deletes a node and its subtree. When it lies on the current path the session first moves to its
    /// parent; the root cannot be deleted.
    /// </summary>
    public SessionState DeleteSubtree(string nodeId) => Mutate(s =>
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        var node = Store.GetNode(nodeId);
        if (node.TreeId != s.TreeId)
        {
            throw new ArgumentException($"node '{nodeId}' belongs to another tree", nameof(nodeId));
        }
        if (node.Kind == NodeKind.Root)
        {
            throw new InvalidOperationException("the root of a tree cannot be deleted");
        }
        var onPath = IndexInLineage(s.Lineage, nodeId);
        Persist(w =>
        {
            if (onPath > 0)
            {
                w.SetCurrentNode(s.TreeId, s.Lineage[onPath - 1].Id);
            }
            w.DeleteSubtree(nodeId);
            return 0;
        });
        if (_hoistedNodeId is not null && (onPath > 0 && s.Lineage.Skip(onPath).Any(n => n.Id == _hoistedNodeId)))
        {
            _hoistedNodeId = null;
        }
        if (onPath > 0)
        {
            var start = s.SegmentStarts[onPath];
            return BuildState(s.Lineage.RemoveRange(onPath, s.Lineage.Length - onPath), s.FullText[..start], s.SegmentStarts.RemoveRange(onPath, s.SegmentStarts.Length - onPath));
        }
        return BuildState(s.Lineage, s.FullText, s.SegmentStarts);
    });

    /// <summary>Persists the active node and the checked-out path (every change is already written; this makes sure).</summary>
    public void Save()
    {
        var s = GetState();
        lock (_gate)
        {
            if (Store.IsReadOnly)
            {
                return;
            }
            _writes.TryFlush();
            Persist(w =>
            {
                for (var i = 1; i < s.Lineage.Length; i++)
                {
                    w.SetCheckedOutChild(s.Lineage[i - 1].Id, s.Lineage[i].Id);
                }
                w.SetCurrentNode(s.TreeId, s.CurrentNodeId);
                return 0;
            });
        }
    }

    /// <summary>Re-reads the tree from the store (another process may have changed it).</summary>
    public SessionState Reload()
    {
        var state = Mutate(s =>
        {
            _tree = Store.GetTree(s.TreeId);
            var currentId = Store.TryGetNode(s.CurrentNodeId) is not null ? s.CurrentNodeId
                : _tree.CurrentNodeId is { } c && Store.TryGetNode(c) is not null ? c : s.RootId;
            return BuildState(Store.GetLineage(currentId).ToImmutableArray());
        });
        StateChanged?.Invoke(this, state);
        return state;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _generationCts?.Cancel();
        }
    }

    // ---- state building -----------------------------------------------------------------------

    private SessionState Mutate(Func<SessionState, SessionState> change)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var next = change(_state);
            Volatile.Write(ref _state, next);
            return next;
        }
    }

    /// <summary>Publishes a state made outside <see cref="Mutate"/> callers (generation) and tells listeners.</summary>
    private void Publish(Func<SessionState, SessionState> change)
    {
        SessionState next;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            next = change(_state);
            Volatile.Write(ref _state, next);
        }
        StateChanged?.Invoke(this, next);
    }

    private static int IndexInLineage(ImmutableArray<Node> lineage, string nodeId)
    {
        for (var i = 0; i < lineage.Length; i++)
        {
            if (lineage[i].Id == nodeId)
            {
                return i;
            }
        }
        return -1;
    }

    private static ImmutableArray<Node> ReplaceInLineage(ImmutableArray<Node> lineage, string id, Func<Node, Node> change)
    {
        for (var i = 0; i < lineage.Length; i++)
        {
            if (lineage[i].Id == id)
            {
                return lineage.SetItem(i, change(lineage[i]));
            }
        }
        return lineage;
    }

    private SessionState BuildState(IReadOnlyList<Node> lineage) => BuildState(lineage.ToImmutableArray(), null, null);

    private SessionState BuildState(ImmutableArray<Node> lineage, string? fullText = null, ImmutableArray<int>? segmentStarts = null, string? continuation = null)
    {
        if ((fullText is null || segmentStarts is null) && lineage.Length == 1)
        {
            fullText = lineage[0].Text;
            segmentStarts = [0];
        }
        else if (fullText is null || segmentStarts is null)
        {
            var starts = ImmutableArray.CreateBuilder<int>(lineage.Length);
            var sb = new System.Text.StringBuilder();
            foreach (var node in lineage)
            {
                starts.Add(sb.Length);
                sb.Append(node.Text);
            }
            fullText = sb.ToString();
            segmentStarts = starts.MoveToImmutable();
        }
        var current = lineage[^1];
        var children = Store.GetChildren(current.Id).ToImmutableArray();
        var counts = children.IsEmpty
            ? ImmutableDictionary<string, int>.Empty
            : Store.GetChildDescendantCounts(current.Id).ToImmutableDictionary(StringComparer.Ordinal);
        var selected = 0;
        for (var i = 0; i < children.Length; i++)
        {
            if (children[i].CheckedOut)
            {
                selected = i;
                break;
            }
        }
        if (continuation is null || (children.Length > 0 && !continuation.StartsWith(children[selected].Text, StringComparison.Ordinal)))
        {
            continuation = children.IsEmpty ? string.Empty : children[selected].Text + string.Concat(Store.GetCheckedOutPath(children[selected].Id).Select(n => n.Text));
        }
        else if (children.IsEmpty)
        {
            continuation = string.Empty;
        }
        var plan = _tree.ModelPlan.Count > 0 ? _tree.ModelPlan.ToImmutableArray() : [_options.DefaultPlanEntry];
        var first = plan[0];
        var contextText = current.ContextId is not null || lineage[0].ContextId is not null
            ? Store.GetContextNode(current.TreeId)?.Text ?? string.Empty
            : string.Empty;
        ImmutableArray<Node>? treeNodes = _viewMode == ViewMode.Tree ? TreeNodesForView(current.TreeId) : null;
        return new SessionState
        {
            CurrentNodeId = current.Id,
            CurrentNode = current,
            FullText = fullText,
            Children = children,
            SelectedChildIdx = selected,
            DescendantCounts = counts,
            ContinuationText = continuation,
            Model = first.Model,
            MaxTokens = first.MaxTokens,
            Temperature = first.Temperature,
            NBranches = first.NBranches,
            Context = contextText,
            RootId = lineage[0].Id,
            ViewMode = _viewMode,
            HoistedNodeId = _hoistedNodeId,
            TreeNodes = treeNodes,
            ShowModelNames = _tree.ShowModelNames,
            TreeId = current.TreeId,
            Lineage = lineage,
            SegmentStarts = segmentStarts.Value,
            ModelPlan = plan,
            Generating = _generationCts is not null,
        };
    }

    private ImmutableArray<Node> TreeNodesForView(string treeId)
    {
        var all = Store.GetTreeNodes(treeId).Where(n => n.Kind != NodeKind.Context).ToList();
        if (_hoistedNodeId is null)
        {
            return all.ToImmutableArray();
        }
        var inside = new HashSet<string>(StringComparer.Ordinal) { _hoistedNodeId };
        var byParent = all.Where(n => n.ParentId is not null).ToLookup(n => n.ParentId!, StringComparer.Ordinal);
        var stack = new Stack<string>();
        stack.Push(_hoistedNodeId);
        while (stack.Count > 0)
        {
            foreach (var child in byParent[stack.Pop()])
            {
                if (inside.Add(child.Id))
                {
                    stack.Push(child.Id);
                }
            }
        }
        return all.Where(n => inside.Contains(n.Id)).ToImmutableArray();
    }
}
