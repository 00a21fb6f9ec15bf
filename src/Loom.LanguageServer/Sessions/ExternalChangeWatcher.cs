using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// Notices commits by other processes on the same database (another editor's server, the CLI,
/// basemode-loom) through <c>ILoomStore.DataVersion</c>, and reloads every open loom document's
/// session; their StateChanged handlers then bring buffers and clients up to date.
/// </summary>
public sealed class ExternalChangeWatcher : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ServerContext _server;
    private readonly CancellationTokenSource _stop = new();

    public ExternalChangeWatcher(ServerContext server) => _server = server;

    public void Start() => _ = RunAsync(_stop.Token);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        long? seen = null;
        try
        {
            seen = _server.Store.Store.DataVersion;
        }
        catch (Exception)
        {
            // Not openable now; the loop tries again.
        }
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                long version;
                try
                {
                    version = _server.Store.Store.DataVersion;
                }
                catch (Exception)
                {
                    continue; // not open (yet), or closing
                }
                if (seen is { } previous && previous != version)
                {
                    _server.Log.Debug("the database was changed by another process; reloading open looms");
                    ReloadAll();
                }
                seen = version;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void ReloadAll()
    {
        foreach (var doc in _server.Workspace.Documents)
        {
            if (doc.Session is not { } session)
            {
                continue;
            }
            _ = doc.Queue.EnqueueMutation(() =>
            {
                if (!doc.IsClosed && ReferenceEquals(doc.Session, session))
                {
                    try
                    {
                        session.Reload();
                    }
                    catch (Exception ex)
                    {
                        _server.Log.Warning($"{doc.Uri}: reloading after an outside change failed: {ex.Message}");
                    }
                }
                return Task.FromResult(0);
            }, CancellationToken.None);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
