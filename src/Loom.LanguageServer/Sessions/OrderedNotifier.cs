using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Sessions;

/// <summary>Sends notifications strictly in the order they were queued (one chain per generation).</summary>
public sealed class OrderedNotifier
{
    private readonly ClientChannel _client;
    private readonly object _gate = new();
    private Task _last = Task.CompletedTask;

    public OrderedNotifier(ClientChannel client) => _client = client;

    public Task Send(string method, object parameters)
    {
        lock (_gate)
        {
            _last = SendAfter(_last, method, parameters);
            return _last;
        }
    }

    public Task Drained
    {
        get
        {
            lock (_gate)
            {
                return _last;
            }
        }
    }

    private async Task SendAfter(Task previous, string method, object parameters)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _client.NotifyAsync(method, parameters).ConfigureAwait(false);
    }
}
