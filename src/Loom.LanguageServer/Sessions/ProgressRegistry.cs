using System.Collections.Concurrent;

namespace Loom.LanguageServer.Sessions;

/// <summary>Work-done progress tokens in use and how to cancel the work behind each.</summary>
public sealed class ProgressRegistry
{
    private readonly ConcurrentDictionary<string, Action> _cancel = new(StringComparer.Ordinal);
    private long _next;

    public string NewToken() => $"loom-generation-{Interlocked.Increment(ref _next)}";

    public void Register(object token, Action cancel) => _cancel[Key(token)] = cancel;

    public void Unregister(object token) => _cancel.TryRemove(Key(token), out _);

    /// <summary>Runs the cancel action of <paramref name="token"/>; false when the token is unknown.</summary>
    public bool Cancel(object token)
    {
        if (_cancel.TryGetValue(Key(token), out var cancel))
        {
            cancel();
            return true;
        }
        return false;
    }

    private static string Key(object token) => token is string s ? "s:" + s : "n:" + token;
}
