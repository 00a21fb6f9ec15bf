using Loom.LanguageServer.Protocol;

namespace Loom.LanguageServer.Server;

/// <summary>
/// Logs to stderr and, once a client is connected, as <c>window/logMessage</c>. Never stdout,
/// never a key: callers pass messages that contain none.
/// </summary>
public sealed class ServerLog
{
    private readonly TextWriter _stderr;
    private readonly object _gate = new();
    private Func<LogMessageParams, Task>? _toClient;

    public ServerLog(LogLevel level, TextWriter stderr)
    {
        Level = level;
        _stderr = stderr;
    }

    public LogLevel Level { get; }

    private readonly List<LogMessageParams> _early = new();

    /// <summary>From now on messages also go to the client; those logged before are sent first.</summary>
    public void AttachClient(Func<LogMessageParams, Task> sendToClient)
    {
        List<LogMessageParams> early;
        lock (_gate)
        {
            _toClient = sendToClient;
            early = new List<LogMessageParams>(_early);
            _early.Clear();
        }
        foreach (var message in early)
        {
            _ = SendQuietly(sendToClient, message);
        }
    }

    public void Error(string message) => Write(LogLevel.Error, message);

    public void Warning(string message) => Write(LogLevel.Warning, message);

    public void Info(string message) => Write(LogLevel.Info, message);

    public void Debug(string message) => Write(LogLevel.Debug, message);

    public bool IsEnabled(LogLevel level) => level <= Level;

    private void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level))
        {
            return;
        }
        lock (_gate)
        {
            _stderr.WriteLine($"[loom {level.ToString().ToLowerInvariant()}] {message}");
            _stderr.Flush();
        }
        var type = level switch
        {
            LogLevel.Error => MessageType.Error,
            LogLevel.Warning => MessageType.Warning,
            LogLevel.Info => MessageType.Info,
            _ => MessageType.Log,
        };
        Func<LogMessageParams, Task>? send;
        lock (_gate)
        {
            send = _toClient;
            if (send is null && _early.Count < 100)
            {
                _early.Add(new LogMessageParams(type, message));
            }
        }
        if (send is not null)
        {
            _ = SendQuietly(send, new LogMessageParams(type, message));
        }
    }

    private static async Task SendQuietly(Func<LogMessageParams, Task> send, LogMessageParams message)
    {
        try
        {
            await send(message).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The connection is gone; stderr already has the message.
        }
    }
}
