namespace Loom.LanguageServer.Server;

public enum LifecyclePhase
{
    /// <summary>Before <c>initialize</c>: every request gets -32002.</summary>
    Uninitialized,
    Running,
    /// <summary>After <c>shutdown</c>: requests get -32600, only <c>exit</c> is expected.</summary>
    ShutDown,
}

/// <summary>The LSP lifecycle of one connection and the exit code it ends with.</summary>
public sealed class Lifecycle
{
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile LifecyclePhase _phase = LifecyclePhase.Uninitialized;

    public LifecyclePhase Phase => _phase;

    public ClientCapabilitiesInfo Client { get; private set; } = ClientCapabilitiesInfo.Default;

    /// <summary>Completes with the process exit code when <c>exit</c> arrives (0 after shutdown, else 1).</summary>
    public Task<int> Exited => _exit.Task;

    public void Initialized(ClientCapabilitiesInfo client)
    {
        Client = client;
        _phase = LifecyclePhase.Running;
    }

    public void ShutDown() => _phase = LifecyclePhase.ShutDown;

    public void Exit() => _exit.TrySetResult(_phase == LifecyclePhase.ShutDown ? 0 : 1);
}
