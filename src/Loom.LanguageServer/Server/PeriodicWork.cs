namespace Loom.LanguageServer.Server;

/// <summary>
/// Background work the server repeats on a timer, from <see cref="Start"/> until <see cref="Dispose"/>:
/// a tick never overlaps the next one, and stopping ends the loop quietly.
/// </summary>
public abstract class PeriodicWork : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    protected abstract TimeSpan Period { get; }

    public void Start() => _ = RunAsync(_stop.Token);

    /// <summary>Runs once before the first wait (e.g. to read a starting value).</summary>
    protected virtual void BeforeFirstTick()
    {
    }

    protected abstract Task TickAsync();

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period);
        BeforeFirstTick();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await TickAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }
}
