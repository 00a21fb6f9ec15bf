using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// While the database cannot be written (disk full, I/O error, the file turned read-only), Core keeps
/// each session's changes in memory. Once a second this tells the user when that starts and ends
/// (<c>window/showMessage</c>, once per transition, not per keystroke) and asks every session with held
/// changes to write them, in each document's queue so it never races an edit.
/// </summary>
public sealed class StoreFaultWatcher : PeriodicWork
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ServerContext _server;
    private string? _reported;

    public StoreFaultWatcher(ServerContext server) => _server = server;

    protected override TimeSpan Period => Interval;

    protected override async Task TickAsync()
    {
        string? fault = null;
        var flushes = new List<Task>();
        foreach (var doc in _server.Workspace.Documents)
        {
            if (doc.Session is not { } session || session.PendingWriteCount == 0)
            {
                continue;
            }
            fault ??= session.StoreFault;
            flushes.Add(doc.Queue.EnqueueMutation(() =>
            {
                if (!doc.IsClosed && ReferenceEquals(doc.Session, session))
                {
                    session.FlushPendingWrites();
                }
                return Task.FromResult(0);
            }, CancellationToken.None));
        }
        try
        {
            await Task.WhenAll(flushes).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _server.Log.Debug($"writing held-back changes failed: {ex.Message}");
        }
        var stillPending = _server.Workspace.Documents.Any(d => d.Session is { PendingWriteCount: > 0 });
        if (fault is not null && stillPending && _reported is null)
        {
            _reported = fault;
            await ShowAsync(MessageType.Warning,
                $"Loom: {fault}. Your changes are kept in memory and will be written as soon as the database accepts them.").ConfigureAwait(false);
        }
        else if (!stillPending && _reported is not null)
        {
            _reported = null;
            await ShowAsync(MessageType.Info, "Loom: the database can be written again; every held-back change is saved.").ConfigureAwait(false);
        }
    }

    private async Task ShowAsync(int type, string message)
    {
        _server.Log.Warning(message);
        try
        {
            await _server.Client.NotifyAsync(Methods.ShowMessage, new ShowMessageParams(type, message)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _server.Log.Debug($"window/showMessage not sent: {ex.Message}");
        }
    }
}
