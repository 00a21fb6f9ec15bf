using System.Diagnostics;

namespace Loom.LanguageServer.Tests.Harness;

/// <summary>How tests start the real server process (shared with the reliability tests).</summary>
public static class ServerExecutable
{
    /// <summary>
    /// <paramref name="executable"/> when given, else the server built next to the tests (its apphost,
    /// or <c>dotnet loom-language-server.dll</c>), on <paramref name="databasePath"/> with stdio redirected.
    /// </summary>
    public static ProcessStartInfo StartInfo(string databasePath, string logLevel = "debug", string? executable = null)
    {
        var dir = AppContext.BaseDirectory;
        var apphost = Path.Combine(dir, OperatingSystem.IsWindows() ? "loom-language-server.exe" : "loom-language-server");
        ProcessStartInfo info;
        if (executable is not null)
        {
            info = new ProcessStartInfo(executable);
        }
        else if (File.Exists(apphost))
        {
            info = new ProcessStartInfo(apphost);
        }
        else
        {
            info = new ProcessStartInfo("dotnet");
            info.ArgumentList.Add(Path.Combine(dir, "loom-language-server.dll"));
        }
        info.ArgumentList.Add("--stdio");
        info.ArgumentList.Add("--db");
        info.ArgumentList.Add(databasePath);
        info.ArgumentList.Add("--log-level");
        info.ArgumentList.Add(logLevel);
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return info;
    }
}
