using Loom.Core.Editing;
using Loom.Core.Session;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// Keeps the client's buffer equal to the current path. Server-side changes (navigation) go to the
/// client as one minimal <c>workspace/applyEdit</c>; client-side changes go to the session through
/// the edit rules. When the two disagree (an edit refused, versions crossed), the client's text wins
/// and is applied to the tree as an edit, so nothing is lost either way. Runs only inside a
/// document's mutation slot.
/// </summary>
public sealed class BufferSync
{
    private readonly ServerContext _server;

    public BufferSync(ServerContext server) => _server = server;

    /// <summary>Brings the client's buffer to <paramref name="state"/>'s path text; waits for the client's answer.</summary>
    public async Task ShowStateAsync(LoomDocument doc, SessionState state, string label, CancellationToken cancellationToken)
    {
        doc.State = state;
        var target = state.FullText;
        var basis = doc.PendingEcho?.ExpectedText ?? doc.ClientText;
        if (string.Equals(basis, target, StringComparison.Ordinal))
        {
            if (doc.PendingEcho is null)
            {
                doc.ClientText = target;
            }
            return;
        }
        if (doc.PendingEcho is not null)
        {
            // An earlier edit is still unconfirmed: base the next one on what the client has now.
            basis = doc.ClientText;
        }
        var lines = doc.Lines;
        var tail = TextDiff.Tail(basis, target);
        var edit = new TextEdit(
            new Protocol.Range(lines.GetPosition(tail.Start, _server.Encoding), lines.End(_server.Encoding)),
            tail.Inserted);
        if (await SendEditAsync(doc, edit, target, label, cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            _server.Log.Info($"the client did not apply the edit to {doc.Uri} ({refusal}); its text is taken as an edit");
            await ResyncAsync(doc, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends <paramref name="edit"/> (based on the client's current version) and waits for the answer.
    /// Returns null when applied, else why not (the pending echo is then dropped).
    /// </summary>
    private async Task<string?> SendEditAsync(LoomDocument doc, TextEdit edit, string expectedText, string label, CancellationToken cancellationToken)
    {
        var workspaceEdit = _server.Lifecycle.Client.DocumentChanges
            ? new WorkspaceEdit(DocumentChanges: [new TextDocumentEdit(new VersionedTextDocumentIdentifier(doc.Uri, doc.ClientVersion), [edit])])
            : new WorkspaceEdit(Changes: new Dictionary<string, IReadOnlyList<TextEdit>> { [doc.Uri] = [edit] });
        doc.PendingEcho = new PendingEcho(doc.ClientVersion, expectedText);
        ApplyWorkspaceEditResult? result = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_server.ApplyEditTimeout);
            result = await _server.Client.RequestAsync<ApplyWorkspaceEditResult>(
                Methods.ApplyEdit, new ApplyWorkspaceEditParams(label, workspaceEdit), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _server.Log.Warning($"workspace/applyEdit for {doc.Uri} failed: {ex.Message}");
        }
        if (result is { Applied: true })
        {
            return null;
        }
        doc.PendingEcho = null;
        return result?.FailureReason ?? "no answer";
    }

    /// <summary>
    /// The client sent lone surrogates (see <see cref="Rpc.LoneSurrogateRepair"/>): the server holds
    /// U+FFFD in their place, so the client's <c>[start, end)</c> is rewritten to match. Same lengths,
    /// so nothing else moves.
    /// </summary>
    public async Task RewriteRepairedAsync(LoomDocument doc, int start, int end, CancellationToken cancellationToken)
    {
        _server.Log.Warning($"the editor sent text for {doc.Uri} with a broken character (a lone UTF-16 surrogate); " +
                            "Loom keeps U+FFFD in its place and puts that in the buffer too");
        var lines = doc.Lines;
        var edit = new TextEdit(
            new Protocol.Range(lines.GetPosition(start, _server.Encoding), lines.GetPosition(end, _server.Encoding)),
            doc.ClientText[start..end]);
        if (await SendEditAsync(doc, edit, doc.ClientText, "Loom: replace broken characters", cancellationToken).ConfigureAwait(false) is { } refusal)
        {
            _server.Log.Warning($"the client did not replace the broken characters in {doc.Uri} ({refusal})");
        }
    }

    /// <summary>Applies the client's didChange. Returns true when the session changed.</summary>
    public async Task<bool> ApplyClientChangesAsync(LoomDocument doc, int version, IReadOnlyList<ContentChange> changes, CancellationToken cancellationToken)
    {
        var session = doc.Session;
        var direct = session is not null && doc.PendingEcho is null && doc.InSync;
        var changed = false;
        (int Start, int End)? repaired = null;
        foreach (var change in changes)
        {
            int start, removed;
            if (change.Range is { } range)
            {
                var lines = doc.Lines;
                if (!lines.TryGetOffset(range.Start, _server.Encoding, out start) ||
                    !lines.TryGetOffset(range.End, _server.Encoding, out var end) || end < start)
                {
                    _server.Log.Error($"didChange for {doc.Uri} (version {version}) has a range outside the document " +
                                      $"({range.Start.Line}:{range.Start.Character}-{range.End.Line}:{range.End.Character}); change ignored");
                    return changed;
                }
                removed = end - start;
            }
            else
            {
                start = 0;
                removed = doc.ClientText.Length;
            }
            var before = doc.ClientText;
            doc.ClientText = string.Concat(before.AsSpan(0, start), change.Text, before.AsSpan(start + removed));
            repaired = MoveSpan(repaired, start, removed, change.Text.Length);
            if (change.Repaired.Count > 0)
            {
                var span = (start + change.Repaired[0], start + change.Repaired[^1] + 1);
                repaired = repaired is { } r ? (Math.Min(r.Start, span.Item1), Math.Max(r.End, span.Item2)) : span;
            }
            if (direct)
            {
                // Editors sometimes replace more than changed (a whole word, a whole document):
                // trim what the removed and inserted text share, so the tree sees only the real change.
                var trimmed = Trim(before, start, removed, change.Text);
                if (trimmed.IsEmpty)
                {
                    continue;
                }
                var outcome = session!.ApplyChange(trimmed.Start, trimmed.RemovedLength, trimmed.Inserted);
                changed |= outcome.Kind != EditKind.NoChange;
                AfterEdit(doc, outcome);
            }
        }
        doc.ClientVersion = version;
        if (doc.PendingEcho is { } echo)
        {
            if (string.Equals(echo.ExpectedText, doc.ClientText, StringComparison.Ordinal))
            {
                doc.PendingEcho = null;
                doc.ClientText = echo.ExpectedText;
                return changed;
            }
            doc.PendingEcho = null;
        }
        if (repaired is { } broken && session is not null)
        {
            await RewriteRepairedAsync(doc, broken.Start, broken.End, cancellationToken).ConfigureAwait(false);
        }
        if (session is null)
        {
            return changed;
        }
        if (!direct || !doc.InSync)
        {
            changed |= await ResyncAsync(doc, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Share one copy of the text between the session and the buffer model.
            doc.ClientText = doc.State!.FullText;
        }
        return changed;
    }

    /// <summary>Where <paramref name="span"/> is after the change <c>[start, start+removed) := insertedLength</c> units (widened when they overlap).</summary>
    private static (int Start, int End)? MoveSpan((int Start, int End)? span, int start, int removed, int insertedLength)
    {
        if (span is not { } s || start >= s.End)
        {
            return span;
        }
        var delta = insertedLength - removed;
        return start + removed <= s.Start
            ? (s.Start + delta, s.End + delta)
            : (Math.Min(s.Start, start), Math.Max(s.End + delta, start + insertedLength));
    }

    /// <summary>The change <c>[start, start+removed) := inserted</c> without the prefix and suffix the old and new parts share.</summary>
    public static TextReplacement Trim(string text, int start, int removed, string inserted)
    {
        if (removed == 0 || inserted.Length == 0)
        {
            return new TextReplacement(start, removed, inserted);
        }
        var old = text.Substring(start, removed);
        var r = TextDiff.Minimal(old, inserted);
        return new TextReplacement(start + r.Start, r.RemovedLength, r.Inserted);
    }

    /// <summary>Takes the client's text as an edit of the current path (the resynchronization rule).</summary>
    public async Task<bool> ResyncAsync(LoomDocument doc, CancellationToken cancellationToken)
    {
        var session = doc.Session;
        if (session is null)
        {
            return false;
        }
        var state = session.GetState();
        doc.State = state;
        if (string.Equals(state.FullText, doc.ClientText, StringComparison.Ordinal))
        {
            doc.ClientText = state.FullText;
            return false;
        }
        var diff = TextDiff.Minimal(state.FullText, doc.ClientText);
        var outcome = session.ApplyChange(diff.Start, diff.RemovedLength, diff.Inserted);
        AfterEdit(doc, outcome);
        if (!string.Equals(outcome.State.FullText, doc.ClientText, StringComparison.Ordinal))
        {
            _server.Log.Warning($"after resynchronizing {doc.Uri} the path text still differs from the buffer; sending the path text");
            await ShowStateAsync(doc, outcome.State, "Loom: resynchronize", cancellationToken).ConfigureAwait(false);
        }
        return outcome.Kind != EditKind.NoChange;
    }

    private void AfterEdit(LoomDocument doc, EditOutcome outcome)
    {
        var previousTree = doc.State?.TreeId;
        doc.State = outcome.State;
        if (outcome.Kind == EditKind.TreeForked || (previousTree is not null && previousTree != outcome.State.TreeId))
        {
            _server.Log.Info($"the root of {doc.Uri} was edited: it is now bound to the new tree {outcome.State.TreeId}");
            _server.Binder.SaveBinding(doc);
        }
    }
}

/// <summary>One content change of a didChange: a range (null: the whole text) and its new text.</summary>
/// <see cref="Repaired"/>: offsets in <see cref="Text"/> where a lone surrogate was replaced by U+FFFD.
public sealed record ContentChange(Protocol.Range? Range, string Text, IReadOnlyList<int> Repaired)
{
    public ContentChange(Protocol.Range? range, string text) : this(range, text, [])
    {
    }
}
