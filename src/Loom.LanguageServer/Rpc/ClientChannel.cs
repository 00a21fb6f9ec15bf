using StreamJsonRpc;

namespace Loom.LanguageServer.Rpc;

/// <summary>Messages from the server to the client. Thread-safe; StreamJsonRpc serializes writes.</summary>
public sealed class ClientChannel
{
    private JsonRpc? _rpc;

    public void Attach(JsonRpc rpc) => _rpc = rpc;

    public bool IsConnected => _rpc is { IsDisposed: false };

    public async Task NotifyAsync(string method, object? parameters)
    {
        var rpc = _rpc;
        if (rpc is null || rpc.IsDisposed)
        {
            return;
        }
        try
        {
            await rpc.NotifyWithParameterObjectAsync(method, parameters).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException)
        {
            // The client went away; nothing to tell.
        }
    }

    public Task<T> RequestAsync<T>(string method, object? parameters, CancellationToken cancellationToken)
    {
        var rpc = _rpc ?? throw new InvalidOperationException("no client connected");
        return rpc.InvokeWithParameterObjectAsync<T>(method, parameters, cancellationToken);
    }
}
