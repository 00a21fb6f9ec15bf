using System.Diagnostics;
using System.Text;

namespace Loom.Cli.Tests;

/// <summary>Runs the built <c>loom</c> tool as a separate process against a temporary database.</summary>
internal sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Directory = Path.Combine(Path.GetTempPath(), "loom-cli-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Db = Path.Combine(Directory, "trees.sqlite");
    }

    public string Directory { get; }

    public string Db { get; }

    public static string Fixture(string name)
    {
        var dir = AppContext.BaseDirectory;
        for (var i = 0; i < 8 && dir is not null; i++, dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, "tests", "Loom.Formats.Tests", "Fixtures", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"fixture {name} not found above {AppContext.BaseDirectory}");
    }

    private static string LoomDll()
    {
        var local = Path.Combine(AppContext.BaseDirectory, "loom.dll");
        if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "loom.runtimeconfig.json")))
        {
            return local;
        }
        throw new FileNotFoundException("loom.dll was not copied next to the tests");
    }

    public record Result(int ExitCode, string Out, string Err);

    /// <summary>Runs loom with <c>LOOM_DB</c> set to this runner's database unless <paramref name="env"/> says otherwise.</summary>
    public Result Run(IReadOnlyDictionary<string, string?>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = Directory,
        };
        psi.ArgumentList.Add(LoomDll());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["LOOM_DB"] = Db;
        psi.Environment["XDG_DATA_HOME"] = Path.Combine(Directory, "xdg");
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"loom {string.Join(' ', args)} did not finish");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    public Result Run(params string[] args) => Run(null, args);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
