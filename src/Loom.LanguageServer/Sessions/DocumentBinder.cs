using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// Binds documents to trees (the protocol's binding rules): a bound document whose text equals the
/// path attaches silently; one whose text differs has the difference applied as an edit; an unbound
/// one becomes a new tree whose root is the whole buffer.
/// </summary>
public sealed class DocumentBinder
{
    private readonly ServerContext _server;

    public DocumentBinder(ServerContext server) => _server = server;

    private ILoomStore Store => _server.Store.Store;

    /// <summary>Binds a just-opened (or attached) document by the binding rules.</summary>
    public async Task BindAsync(LoomDocument doc, CancellationToken cancellationToken)
    {
        var binding = Store.GetBinding(doc.Uri);
        string? startNode = null;
        if (binding is not null && Store.TryGetTree(binding.TreeId) is { } tree)
        {
            startNode = Store.TryGetNode(binding.NodeId) is { } n && n.TreeId == tree.Id ? n.Id : tree.CurrentNodeId ?? tree.Id;
            // The binding may lag behind (it is written on save/close): the tree's current node may match the text.
            if (tree.CurrentNodeId is { } current && current != startNode && Store.TryGetNode(current) is { } cur && cur.TreeId == tree.Id &&
                PathText(startNode) != doc.ClientText && PathText(current) == doc.ClientText)
            {
                startNode = current;
            }
        }
        if (startNode is null)
        {
            var root = Trees.Create(Store, doc.ClientText, [DefaultPlanEntry()], name: NameOf(doc.Uri));
            startNode = root.Id;
            _server.Log.Info($"{doc.Uri}: new tree {root.TreeId}");
        }
        await AttachAsync(doc, startNode, replaceBuffer: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts a session at <paramref name="nodeId"/>. With <paramref name="replaceBuffer"/> the buffer is
    /// replaced by the path text; otherwise the buffer's text is applied to the tree as an edit.
    /// </summary>
    public async Task AttachAsync(LoomDocument doc, string nodeId, bool replaceBuffer, CancellationToken cancellationToken)
    {
        var previous = doc.Session;
        var session = new LoomSession(Store, nodeId, _server.Generators, new LoomSessionOptions { DefaultPlanEntry = DefaultPlanEntry() });
        doc.Session = session;
        doc.State = session.GetState();
        session.StateChanged += (_, state) => OnSessionStateChanged(doc, session, state);
        previous?.Dispose();
        if (replaceBuffer)
        {
            await _server.Buffers.ShowStateAsync(doc, doc.State, "Loom: attach", cancellationToken).ConfigureAwait(false);
        }
        else if (!doc.InSync)
        {
            _server.Log.Info($"{doc.Uri} differs from its tree's path (edited outside the editor); applying the difference as an edit");
            await _server.Buffers.ResyncAsync(doc, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            doc.ClientText = doc.State.FullText;
        }
        PersistCurrentNode(session);
        SaveBinding(doc);
        _server.Notifier.Notify(doc, doc.State!);
    }

    /// <summary>
    /// A session that starts at a node other than the tree's <c>current_node_id</c> (a binding newer than the
    /// tree's current node, e.g. after a crash between a navigation's write and its binding) writes its path,
    /// so the file names the node the editor shows.
    /// </summary>
    private void PersistCurrentNode(LoomSession session)
    {
        var state = session.GetState();
        if (Store.IsReadOnly || Store.TryGetTree(state.TreeId)?.CurrentNodeId == state.CurrentNodeId)
        {
            return;
        }
        try
        {
            session.Save();
        }
        catch (LoomStoreException ex)
        {
            _server.Log.Warning($"could not record the current node of tree {state.TreeId}: {ex.Message}");
        }
    }

    private string PathText(string nodeId) => string.Concat(Store.GetLineage(nodeId).Select(n => n.Text));

    public void SaveBinding(LoomDocument doc)
    {
        if (doc.State is not { } state || Store.IsReadOnly)
        {
            return;
        }
        try
        {
            Store.Write(w =>
            {
                w.SetBinding(doc.Uri, state.TreeId, state.CurrentNodeId);
                return 0;
            });
        }
        catch (LoomStoreException ex)
        {
            _server.Log.Warning($"could not remember the tree of {doc.Uri}: {ex.Message}");
        }
    }

    public ModelPlanEntry DefaultPlanEntry()
    {
        var s = _server.Settings.Current;
        return new ModelPlanEntry(
            _server.Generators.DefaultModel(s),
            s.Branches ?? Settings.LoomSettings.DefaultBranches,
            s.MaxTokens ?? Settings.LoomSettings.DefaultMaxTokens,
            s.Temperature ?? Settings.LoomSettings.DefaultTemperature);
    }

    /// <summary>Changes a running generation (or Reload) made: show them, on the document's queue.</summary>
    private void OnSessionStateChanged(LoomDocument doc, LoomSession session, SessionState state)
    {
        _ = doc.Queue.EnqueueMutation(async () =>
        {
            if (doc.IsClosed || !ReferenceEquals(doc.Session, session))
            {
                return 0;
            }
            var latest = session.GetState();
            var wasInSync = doc.PendingEcho is null && doc.InSync;
            if (wasInSync && !string.Equals(latest.FullText, doc.ClientText, StringComparison.Ordinal))
            {
                await _server.Buffers.ShowStateAsync(doc, latest, "Loom: update", CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                doc.State = latest;
            }
            _server.Notifier.Notify(doc, latest);
            _server.Notifier.RefreshDecorations();
            return 0;
        }, CancellationToken.None);
    }

    private static string? NameOf(string uri)
    {
        try
        {
            var u = new Uri(uri);
            var name = Path.GetFileNameWithoutExtension(u.IsFile ? u.LocalPath : u.AbsolutePath);
            return string.IsNullOrEmpty(name) ? null : name;
        }
        catch (UriFormatException)
        {
            return null;
        }
    }
}
