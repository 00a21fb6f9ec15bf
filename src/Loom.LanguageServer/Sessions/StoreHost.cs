using Loom.Core.Store;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// The one store of the server, opened in the background at start (so <c>initialize</c> is not
/// delayed by SQLite) and shared by every document. One long-lived connection, as Core does it.
/// </summary>
public sealed class StoreHost : IDisposable
{
    private readonly Lazy<ILoomStore> _store;
    private readonly ServerLog _log;

    public StoreHost(string path, ServerLog log, Func<string, ILoomStore>? open = null)
    {
        Path = path;
        _log = log;
        open ??= OpenSqlite;
        _store = new Lazy<ILoomStore>(() => open(path), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Path { get; }

    public ILoomStore Store => _store.Value;

    /// <summary>Starts opening the database on the thread pool.</summary>
    public void Warm() => _ = Task.Run(() =>
    {
        try
        {
            var store = _store.Value;
            if (store.OpenWarning is { } warning)
            {
                _log.Warning(warning);
            }
        }
        catch (Exception ex)
        {
            _log.Error($"cannot open the loom database: {ex.Message}");
        }
    });

    private static ILoomStore OpenSqlite(string path)
    {
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        return SqliteLoomStore.Open(path);
    }

    public void Dispose()
    {
        if (_store.IsValueCreated)
        {
            _store.Value.Dispose();
        }
    }
}
