using Loom.Core.Session;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// Sends <c>loom/stateChanged</c>. Per document only the newest state is sent, at most
/// <see cref="CoalesceWindow"/> after the change: changes in quick succession (typing, holding a
/// navigation key in a 1 MB document) send one notification with the latest state, and a later
/// state is never overtaken by an earlier one.
/// </summary>
public sealed class StateNotifier
{
    private readonly ServerContext _server;
    private readonly object _gate = new();
    private readonly Dictionary<string, SessionState> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sending = new(StringComparer.Ordinal);

    public static readonly TimeSpan CoalesceWindow = TimeSpan.FromMilliseconds(25);

    public StateNotifier(ServerContext server) => _server = server;

    public void Notify(LoomDocument doc, SessionState state)
    {
        lock (_gate)
        {
            _pending[doc.Uri] = state;
            if (!_sending.Add(doc.Uri))
            {
                return;
            }
        }
        _ = SendLoop(doc.Uri);
    }

    private async Task SendLoop(string uri)
    {
        while (true)
        {
            await Task.Delay(CoalesceWindow).ConfigureAwait(false);
            SessionState state;
            lock (_gate)
            {
                if (!_pending.Remove(uri, out state!))
                {
                    _sending.Remove(uri);
                    return;
                }
            }
            try
            {
                await _server.Client.NotifyAsync(Methods.LoomStateChanged,
                    new LoomStateChangedParams(uri, StateMapper.ToProtocol(uri, state))).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _server.Log.Debug($"loom/stateChanged for {uri} not sent: {ex.Message}");
            }
        }
    }

    /// <summary>
    /// Other open documents bound to the same tree reload it (their sessions then raise StateChanged,
    /// which updates their buffers and sends their own loom/stateChanged).
    /// </summary>
    public void NotifyPeers(LoomDocument changed)
    {
        if (changed.Session is not { } source)
        {
            return;
        }
        var treeId = source.TreeId;
        foreach (var peer in _server.Workspace.Documents)
        {
            if (ReferenceEquals(peer, changed) || peer.Session is not { } session || session.TreeId != treeId)
            {
                continue;
            }
            _ = peer.Queue.EnqueueMutation(() =>
            {
                if (!peer.IsClosed && ReferenceEquals(peer.Session, session))
                {
                    session.Reload();
                }
                return Task.FromResult(0);
            }, CancellationToken.None);
        }
    }

    /// <summary>Asks clients that support it to re-request inlay hints and semantic tokens.</summary>
    public void RefreshDecorations()
    {
        var client = _server.Lifecycle.Client;
        if (client.InlayHintRefresh)
        {
            _ = RequestQuietly(Methods.InlayHintRefresh);
        }
        if (client.SemanticTokensRefresh)
        {
            _ = RequestQuietly(Methods.SemanticTokensRefresh);
        }
    }

    private async Task RequestQuietly(string method)
    {
        try
        {
            using var answer = new CancellationTokenSource(_server.ApplyEditTimeout);
            await _server.Client.RequestAsync<object?>(method, null, answer.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _server.Log.Debug($"{method} failed: {ex.Message}");
        }
    }
}
