using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Loom.Core.Editing;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Session;

/// <summary>
/// Buffer edits mapped onto the tree (the protocol's edit rules). A change is located by its UTF-16 range,
/// never by searching for text; its cost is proportional to the edit and the depth of the path, not the
/// length of the document.
/// </summary>
public sealed partial class LoomSession
{
    /// <summary>
    /// The seed's apply_edit: <paramref name="edited"/> is the whole new buffer. The changed range is found by
    /// common prefix and suffix in linear time and applied with <see cref="ApplyChange"/>. Returns the node that
    /// now holds the edited text (the new current node), or null when nothing changed.
    /// </summary>
    public Node? ApplyEdit(string original, string edited)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(edited);
        var change = TextChange.Between(GetState().FullText, edited);
        if (change is not { } c)
        {
            return null;
        }
        var outcome = ApplyChange(c.Offset, c.RemovedLength, c.InsertedText);
        return outcome.Kind == EditKind.NoChange ? null : outcome.ChangedNode;
    }

    /// <summary>Replaces <paramref name="removedLength"/> UTF-16 units at <paramref name="utf16Offset"/> of the buffer with <paramref name="insertedText"/>.</summary>
    public EditOutcome ApplyChange(int utf16Offset, int removedLength, string insertedText)
    {
        ArgumentNullException.ThrowIfNull(insertedText);
        EditOutcome? outcome = null;
        Mutate(s =>
        {
            if (utf16Offset < 0 || utf16Offset > s.FullText.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(utf16Offset), utf16Offset, $"offset must be between 0 and {s.FullText.Length}");
            }
            if (removedLength < 0 || removedLength > s.FullText.Length - utf16Offset)
            {
                throw new ArgumentOutOfRangeException(nameof(removedLength), removedLength, $"removed length must be between 0 and {s.FullText.Length - utf16Offset}");
            }
            var change = Normalize(s.FullText, new TextChange(utf16Offset, removedLength, insertedText));
            if (change is not { } c)
            {
                outcome = new EditOutcome(EditKind.NoChange, s, null);
                return s;
            }
            outcome = ApplyNormalized(s, c);
            return outcome.State;
        });
        return outcome!;
    }

    /// <summary>Shrinks a change to the part that really differs; null when it changes nothing.</summary>
    private static TextChange? Normalize(string text, TextChange change)
    {
        var removed = text.AsSpan(change.Offset, change.RemovedLength);
        var inserted = change.InsertedText.AsSpan();
        var prefix = removed.CommonPrefixLength(inserted);
        if (prefix == removed.Length && prefix == inserted.Length)
        {
            return null;
        }
        if (prefix > 0 && char.IsHighSurrogate(removed[prefix - 1]))
        {
            prefix--;
        }
        var suffix = 0;
        var maxSuffix = Math.Min(removed.Length, inserted.Length) - prefix;
        while (suffix < maxSuffix && removed[removed.Length - 1 - suffix] == inserted[inserted.Length - 1 - suffix])
        {
            suffix++;
        }
        if (suffix > 0 && char.IsLowSurrogate(removed[removed.Length - suffix]))
        {
            suffix--;
        }
        return new TextChange(change.Offset + prefix, removed.Length - prefix - suffix, change.InsertedText.Substring(prefix, inserted.Length - prefix - suffix));
    }


    private EditOutcome ApplyNormalized(SessionState s, TextChange c)
    {
        var lineage = s.Lineage;
        var n = lineage.Length;
        var text = s.FullText;
        var atEnd = c.Offset == text.Length && c.RemovedLength == 0;
        var first = atEnd ? n : s.SegmentIndexAt(c.Offset);
        var last = atEnd ? n : c.RemovedLength > 0 ? s.SegmentIndexAt(c.End - 1) : first;

        // Undo and accepted completions: the result is already a path of the tree.
        // Typing on at the end of a draft also finds a path that already has the typed text (a child typed out by hand).
        var anchor = atEnd ? (lineage[n - 1].IsDraft && n >= 2 ? n - 2 : n - 1) : first - 1;
        if (anchor >= 0)
        {
            var anchorEnd = s.SegmentStarts[anchor] + lineage[anchor].Text.Length;
            // The new text after the anchor (the anchor ends at or before the change): never the whole buffer.
            var rest = string.Concat(text.AsSpan(anchorEnd, c.Offset - anchorEnd), c.InsertedText, text.AsSpan(c.End));
            var existing = FindPath(lineage[anchor], rest);
            if (existing is not null && !(existing.Count == 0 && anchor == n - 1))
            {
                return CheckOutExisting(s, anchor, existing);
            }
        }

        if (atEnd)
        {
            return AppendAtEnd(s, c.InsertedText);
        }
        if (IsDraftChain(lineage, first))
        {
            return EditDraftsInPlace(s, c, first, last);
        }
        return first == 0 ? ForkTree(s, c, last) : Fork(s, c, first, last);
    }

    /// <summary>
    /// Looks below <paramref name="anchor"/> for a path whose text after the anchor equals <paramref name="rest"/>.
    /// Returns the nodes after the anchor (empty: the anchor itself), or null. Pruned by prefix, so it reads
    /// only children whose text matches.
    /// </summary>
    private List<Node>? FindPath(Node anchor, string restString)
    {
        if (restString.Length == 0)
        {
            return [];
        }
        var path = new List<Node>();
        return Search(anchor, 0) ? path : null;

        bool Search(Node node, int consumed)
        {
            foreach (var child in Store.GetChildren(node.Id))
            {
                if (child.Text.Length == 0 || !restString.AsSpan(consumed).StartsWith(child.Text, StringComparison.Ordinal))
                {
                    continue;
                }
                path.Add(child);
                var now = consumed + child.Text.Length;
                if (now == restString.Length || (path.Count < 4096 && Search(child, now)))
                {
                    return true;
                }
                path.RemoveAt(path.Count - 1);
            }
            return false;
        }
    }

    /// <summary>True when lineage[first..] are drafts in one chain with nothing else hanging below them.</summary>
    private bool IsDraftChain(ImmutableArray<Node> lineage, int first) => IsUnusedChain(lineage, first, lineage.Length - 1, allowRoot: true);

    /// <summary>
    /// True when lineage[from..to] are drafts (or, with <paramref name="allowRoot"/>, a childless root) that form
    /// one chain: each has exactly the next as its only child and the last has none. One query for all counts.
    /// </summary>
    private bool IsUnusedChain(ImmutableArray<Node> lineage, int from, int to, bool allowRoot)
    {
        for (var k = from; k <= to; k++)
        {
            var editableRoot = allowRoot && lineage[k].IsRoot && k == lineage.Length - 1;
            if (!lineage[k].IsDraft && !editableRoot)
            {
                return false;
            }
        }
        var ids = new List<string>(to - from + 1);
        for (var k = from; k <= to; k++)
        {
            ids.Add(lineage[k].Id);
        }
        var counts = Store.GetChildCounts(ids);
        for (var k = from; k <= to; k++)
        {
            if (counts[lineage[k].Id] != (k == lineage.Length - 1 ? 0 : 1))
            {
                return false;
            }
        }
        return true;
    }

    private NodeMetadata DraftMetadata(string source, string? editedFrom)
    {
        var m = NodeMetadata.Empty.With(NodeMetadata.Source, source).With(NodeMetadata.Draft, true);
        return editedFrom is null ? m : m.With(NodeMetadata.EditedFrom, editedFrom);
    }

    private EditOutcome AppendAtEnd(SessionState s, string inserted)
    {
        var current = s.CurrentNode;
        var extendInPlace = (current.IsDraft || current.IsRoot) && Store.GetChildren(current.Id).Count == 0;
        if (extendInPlace)
        {
            var newFull = s.FullText + inserted;
            // A one-segment path holds one string for both the node and the buffer (a 1 MB document costs 1 MB, not 2).
            var updated = current with { Text = s.Lineage.Length == 1 ? newFull : current.Text + inserted };
            Persist(w =>
            {
                w.UpdateNodeText(current.Id, updated.Text);
                return 0;
            });
            var state = BuildState(s.Lineage.SetItem(s.Lineage.Length - 1, updated), newFull, s.SegmentStarts, string.Empty);
            return new EditOutcome(EditKind.DraftUpdated, state, updated);
        }
        var draft = new Node(Ids.NewId(), current.TreeId, current.Id, NodeKind.Text, inserted, null, null, null, null, null, true,
            _clock.Next(), DraftMetadata("human", null));
        Persist(w =>
        {
            w.InsertNode(draft with { CheckedOut = false });
            w.SetCheckedOutChild(current.Id, draft.Id);
            w.SetCurrentNode(current.TreeId, draft.Id);
            return 0;
        });
        var next = BuildState(s.Lineage.Add(draft), s.FullText + inserted, s.SegmentStarts.Add(s.FullText.Length), string.Empty);
        return new EditOutcome(EditKind.DraftCreated, next, draft);
    }

    /// <summary>The merged text of segments first..last after the change (prefix of first + inserted + suffix of last).</summary>
    private static string MergedText(SessionState s, TextChange c, int first, int last)
    {
        var f = s.Lineage[first];
        var l = s.Lineage[last];
        var head = f.Text.AsSpan(0, c.Offset - s.SegmentStarts[first]);
        var tail = l.Text.AsSpan(c.End - s.SegmentStarts[last]);
        return string.Concat(head, c.InsertedText, tail);
    }

    private EditOutcome EditDraftsInPlace(SessionState s, TextChange c, int first, int last)
    {
        var lineage = s.Lineage;
        var merged = MergedText(s, c, first, last);
        // Segments first..last collapse into `first`; emptied drafts after it are spliced out of the chain.
        var kept = lineage.Take(first).ToList();
        var removedIds = new List<string>();
        var newFirst = lineage[first] with { Text = merged };
        var keepFirst = merged.Length > 0 || newFirst.IsRoot;
        if (keepFirst)
        {
            kept.Add(newFirst);
        }
        else
        {
            removedIds.Add(newFirst.Id);
        }
        for (var k = first + 1; k <= last; k++)
        {
            removedIds.Add(lineage[k].Id);
        }
        var tailStart = kept.Count;
        kept.AddRange(lineage.Skip(last + 1));
        Persist(w =>
        {
            if (keepFirst)
            {
                w.UpdateNodeText(newFirst.Id, merged);
            }
            // Re-link the part below the removed segments to the last kept node, then drop the removed drafts.
            if (tailStart < kept.Count)
            {
                var newParent = kept[tailStart - 1].Id;
                w.UpdateNodeParent(kept[tailStart].Id, newParent);
                w.SetCheckedOutChild(newParent, kept[tailStart].Id);
            }
            foreach (var id in removedIds.AsEnumerable().Reverse())
            {
                w.DeleteSubtree(id);
            }
            w.SetCurrentNode(s.TreeId, kept[^1].Id);
            return 0;
        });
        if (tailStart < kept.Count)
        {
            kept[tailStart] = kept[tailStart] with { ParentId = kept[tailStart - 1].Id, CheckedOut = true };
        }
        var state = BuildState(kept.ToImmutableArray());
        return new EditOutcome(EditKind.DraftUpdated, state, kept[^1]);
    }

    /// <summary>Copies segments first..end as new draft nodes beside the originals, with the change applied.</summary>
    private EditOutcome Fork(SessionState s, TextChange c, int first, int last)
    {
        var lineage = s.Lineage;
        var parent = lineage[first - 1];
        var merged = MergedText(s, c, first, last);
        var segments = (merged.Length > 0 ? [(lineage[first], merged)] : Array.Empty<(Node, string)>())
            .Concat(TailSegments(lineage, last + 1));
        var copies = CopyChain(segments, parent.Id, parent.TreeId);
        Persist(w =>
        {
            w.SetCurrentNode(s.TreeId, InsertChain(w, parent.Id, copies));
            return 0;
        });
        var state = BuildState(lineage.Take(first).Concat(copies).ToImmutableArray());
        return new EditOutcome(EditKind.Forked, state, copies.Count > 0 ? copies[^1] : parent);
    }

    /// <summary>Segments lineage[from..] with their own text, for copying.</summary>
    private static IEnumerable<(Node Original, string Text)> TailSegments(ImmutableArray<Node> lineage, int from) =>
        lineage.Skip(from).Select(n => (n, n.Text));

    /// <summary>
    /// Draft copies of <paramref name="segments"/> as one chain under <paramref name="parentId"/> in <paramref name="treeId"/>,
    /// each marked <c>source: "edited"</c> with <c>edited_from</c> its original, each the checked-out child of the one before.
    /// </summary>
    private List<Node> CopyChain(IEnumerable<(Node Original, string Text)> segments, string parentId, string treeId)
    {
        var copies = new List<Node>();
        var p = parentId;
        foreach (var (original, text) in segments)
        {
            var copy = original with
            {
                Id = Ids.NewId(),
                TreeId = treeId,
                ParentId = p,
                Kind = NodeKind.Text,
                Text = text,
                ContextId = null,
                CheckedOut = true,
                CreatedAt = _clock.Next(),
                Metadata = DraftMetadata("edited", original.Id),
            };
            copies.Add(copy);
            p = copy.Id;
        }
        return copies;
    }

    /// <summary>Writes a chain made by <see cref="CopyChain"/> below <paramref name="parentId"/>; returns the id of its last node.</summary>
    private static string InsertChain(IStoreWriter w, string parentId, IReadOnlyList<Node> chain)
    {
        foreach (var node in chain)
        {
            w.InsertNode(node with { CheckedOut = false });
            w.SetCheckedOutChild(parentId, node.Id);
            parentId = node.Id;
        }
        return parentId;
    }

    /// <summary>A change of the root: a new tree with the changed root and copies of the path, keeping context and settings.</summary>
    private EditOutcome ForkTree(SessionState s, TextChange c, int last)
    {
        var lineage = s.Lineage;
        var merged = MergedText(s, c, 0, last);
        var context = Store.GetContextNode(s.TreeId)?.Text;
        var origin = new JsonObject { ["tree_id"] = s.TreeId, ["node_id"] = s.CurrentNodeId, ["root_id"] = s.RootId };
        var treeMetadata = _tree.Metadata.With("forked_from", origin);
        var (root, chain) = Persist(w =>
        {
            var newRoot = Trees.CreateIn(w, merged, s.ModelPlan, context, _tree.Name, treeMetadata, _clock, _tree.ShowModelNames);
            var rootMetadata = newRoot.Metadata.With(NodeMetadata.EditedFrom, s.RootId);
            w.UpdateNodeMetadata(newRoot.Id, rootMetadata);
            newRoot = newRoot with { Metadata = rootMetadata };
            var list = CopyChain(TailSegments(lineage, last + 1), newRoot.Id, newRoot.Id);
            w.SetCurrentNode(newRoot.Id, InsertChain(w, newRoot.Id, list));
            return (newRoot, list);
        });
        // Built in memory: the new tree may still be waiting to be written (see PendingWrites).
        _tree = new TreeRecord(root.Id, chain.Count > 0 ? chain[^1].Id : root.Id, _tree.Name, _tree.ShowModelNames, false,
            s.ModelPlan, root.CreatedAt, root.CreatedAt, treeMetadata, false);
        _hoistedNodeId = null;
        var state = BuildState(chain.Prepend(root).ToImmutableArray());
        return new EditOutcome(EditKind.TreeForked, state, chain.Count > 0 ? chain[^1] : root);
    }

    /// <summary>
    /// Checks out an existing path (lineage[0..anchor] + <paramref name="below"/>) and removes the drafts of the old
    /// path that this leaves unused: not on the new path, nothing generated from them, nothing else below them.
    /// </summary>
    private EditOutcome CheckOutExisting(SessionState s, int anchor, List<Node> below)
    {
        var lineage = s.Lineage;
        var target = lineage.Take(anchor + 1).Concat(below).ToImmutableArray();
        var onTarget = target.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        // The longest tail of the old path that is an unused draft chain and not part of the new path goes.
        var removeFrom = -1;
        for (var k = lineage.Length - 1; k >= 1 && lineage[k].IsDraft && !onTarget.Contains(lineage[k].Id); k--)
        {
            removeFrom = k;
        }
        while (removeFrom >= 1 && !IsUnusedChain(lineage, removeFrom, lineage.Length - 1, allowRoot: false))
        {
            removeFrom = removeFrom == lineage.Length - 1 ? -1 : removeFrom + 1;
        }
        Persist(w =>
        {
            if (removeFrom >= 1)
            {
                w.DeleteSubtree(lineage[removeFrom].Id);
            }
            for (var i = 1; i < target.Length; i++)
            {
                if (!target[i].CheckedOut || i > anchor)
                {
                    w.SetCheckedOutChild(target[i - 1].Id, target[i].Id);
                }
            }
            w.SetCurrentNode(s.TreeId, target[^1].Id);
            return 0;
        });
        var checkedOut = target.Select((node, i) => i == 0 ? node : node with { CheckedOut = true }).ToImmutableArray();
        var state = BuildState(checkedOut);
        return new EditOutcome(EditKind.CheckedOutExisting, state, checkedOut[^1]);
    }
}
