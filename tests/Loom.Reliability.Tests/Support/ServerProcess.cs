using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Loom.LanguageServer.Tests.Harness;
using Nerdbank.Streams;

namespace Loom.Reliability.Tests.Support;

/// <summary>
/// The real <c>loom-language-server</c> executable as a child process over its stdio: the one in
/// <c>LOOM_SERVER</c> when set (CI's published build), else the apphost the project reference copies
/// next to the tests. Stderr is captured whole; <see cref="Kill"/> is SIGKILL (Process.Kill).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _stderr = new();

    private ServerProcess(Process process) => Process = process;

    public Process Process { get; }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static ProcessStartInfo StartInfo(string databasePath, IReadOnlyDictionary<string, string>? environment = null, string logLevel = "debug")
    {
        var fromEnv = Environment.GetEnvironmentVariable("LOOM_SERVER");
        var info = ServerExecutable.StartInfo(databasePath, logLevel, !string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv) ? fromEnv : null);
        // Never inherit a developer's real keys into these runs.
        foreach (var name in new[] { "OPENAI_API_KEY", "OPENROUTER_API_KEY", "ANTHROPIC_API_KEY", "TOGETHER_API_KEY", "FIREWORKS_API_KEY", "DEEPSEEK_API_KEY" })
        {
            info.Environment.Remove(name);
        }
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                info.Environment[k] = v;
            }
        }
        return info;
    }

    /// <summary>Starts the process without a JSON-RPC client (the fuzzer writes raw bytes).</summary>
    public static ServerProcess StartRaw(string databasePath, IReadOnlyDictionary<string, string>? environment = null, string logLevel = "debug")
    {
        var process = Process.Start(StartInfo(databasePath, environment, logLevel)) ?? throw new InvalidOperationException("could not start the server");
        var server = new ServerProcess(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (server._stderr)
                {
                    server._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Starts the process with the fake editor (<see cref="LspTestClient"/>) attached to its stdio.</summary>
    public static ServerProcess Start(string databasePath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var server = StartRaw(databasePath, environment);
        var stream = FullDuplexStream.Splice(server.Process.StandardOutput.BaseStream, server.Process.StandardInput.BaseStream);
        server.Client = new LspTestClient(stream);
        return server;
    }

    public LspTestClient Client { get; private set; } = null!;

    public async Task<JsonElement> InitializeAsync(object? initializationOptions = null, object? capabilities = null)
    {
        var result = await Client.RequestAsync("initialize", new
        {
            processId = Environment.ProcessId,
            capabilities = capabilities ?? ServerFixture.DefaultCapabilities,
            initializationOptions = initializationOptions ?? new { model = "offline/markov" },
        }).WaitAsync(TimeSpan.FromSeconds(60));
        await Client.NotifyAsync("initialized", new { });
        return result;
    }

    /// <summary>SIGKILL: no shutdown, no flush, no finally blocks in the server.</summary>
    public void Kill()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }
        Process.WaitForExit(30_000);
    }

    public async Task<int> ShutdownAsync()
    {
        await Client.RequestAsync<JsonElement?>("shutdown", null).WaitAsync(TimeSpan.FromSeconds(30));
        await Client.NotifyAsync("exit", null);
        await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return Process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
        }
        Client?.Dispose();
        Process.Dispose();
        await Task.CompletedTask;
    }
}
