using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// Notices commits by other processes on the same database (another editor's server, the CLI,
/// basemode-loom) through <c>ILoomStore.DataVersion</c>, and reloads every open loom document's
/// session; their StateChanged handlers then bring buffers and clients up to date.
/// </summary>
public sealed class ExternalChangeWatcher : PeriodicWork
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ServerContext _server;
    private long? _seen;

    public ExternalChangeWatcher(ServerContext server) => _server = server;

    protected override TimeSpan Period => Interval;

    protected override void BeforeFirstTick()
    {
        try
        {
            _seen = _server.Store.Store.DataVersion;
        }
        catch (Exception)
        {
            // Not openable now; the loop tries again.
        }
    }

    protected override Task TickAsync()
    {
        long version;
        try
        {
            version = _server.Store.Store.DataVersion;
        }
        catch (Exception)
        {
            return Task.CompletedTask; // not open (yet), or closing
        }
        if (_seen is { } previous && previous != version)
        {
            _server.Log.Debug("the database was changed by another process; reloading open looms");
            ReloadAll();
        }
        _seen = version;
        return Task.CompletedTask;
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
}
