using System.CommandLine;
using System.Text;
using Loom.Core.Formats;
using Loom.Core.Generation;
using Loom.Core.Store;

namespace Loom.Cli;

/// <summary>
/// The <c>loom</c> command line: import, export, list, show, generate, path. Every command opens the
/// store named by <c>--db</c>, else <c>LOOM_DB</c>, else <c>$XDG_DATA_HOME/loom/trees.sqlite</c>
/// (<c>~/.local/share/loom/trees.sqlite</c>). Errors go to stderr with exit code 1; usage errors exit 2.
/// </summary>
public static class LoomCli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Cancelled = 130;

    public static Task<int> RunAsync(string[] args) => RunAsync(args, Console.Out, Console.Error);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = Build(stdout, stderr);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync($"loom: {error.Message}").ConfigureAwait(false);
            }
            await stderr.WriteLineAsync("Run 'loom --help' (or 'loom COMMAND --help') for usage.").ConfigureAwait(false);
            return Usage;
        }
        var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
        try
        {
            return await parsed.InvokeAsync(config).ConfigureAwait(false);
        }
        catch (CliException e)
        {
            await stderr.WriteLineAsync($"loom: {e.Message}").ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (Exception e) when (e is LoomImportException or LoomStoreException or GenerationException or IOException
                                      or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            await stderr.WriteLineAsync($"loom: {e.Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("loom: cancelled").ConfigureAwait(false);
            return Cancelled;
        }
    }

    /// <summary>The default store path: <c>$XDG_DATA_HOME/loom/trees.sqlite</c> or <c>~/.local/share/loom/trees.sqlite</c>.</summary>
    public static string DefaultDbPath()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var baseDir = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(baseDir, "loom", "trees.sqlite");
    }

    private static RootCommand Build(TextWriter stdout, TextWriter stderr)
    {
        var db = new Option<string?>("--db")
        {
            Description = "The loom database (SQLite, shared with basemode-loom). Default: $LOOM_DB, else $XDG_DATA_HOME/loom/trees.sqlite or ~/.local/share/loom/trees.sqlite",
            Recursive = true,
            HelpName = "PATH",
        };
        var root = new RootCommand("Loom: branching text for language models. Import and export other looms' trees, look at them, grow them.");
        root.Options.Add(db);
        var ctx = new CliContext(stdout, stderr, db);
        root.Subcommands.Add(Commands.Import(ctx));
        root.Subcommands.Add(Commands.Export(ctx));
        root.Subcommands.Add(Commands.List(ctx));
        root.Subcommands.Add(Commands.Show(ctx));
        root.Subcommands.Add(Commands.Generate(ctx));
        root.Subcommands.Add(Commands.PathCommand(ctx));
        return root;
    }
}

/// <summary>An error meant for the user, with its exit code.</summary>
internal sealed class CliException(string message, int exitCode = LoomCli.Failed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>What every command needs: the writers and the --db option.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr, Option<string?> db)
{
    public TextWriter Out { get; } = stdout;

    public TextWriter Err { get; } = stderr;

    public string DbPath(ParseResult parsed)
    {
        var path = parsed.GetValue(db);
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Environment.GetEnvironmentVariable("LOOM_DB");
        }
        return string.IsNullOrWhiteSpace(path) ? LoomCli.DefaultDbPath() : path;
    }

    public SqliteLoomStore OpenStore(ParseResult parsed)
    {
        var store = SqliteLoomStore.Open(DbPath(parsed));
        if (store.OpenWarning is { } warning)
        {
            Err.WriteLine($"loom: warning: {warning}");
        }
        return store;
    }

    public void Warn(string message) => Err.WriteLine($"loom: warning: {message}");

    /// <summary>Writes text to stdout exactly; on a terminal, ends it with a newline.</summary>
    public void WriteText(string text)
    {
        Out.Write(text);
        if (ReferenceEquals(Out, Console.Out) && !Console.IsOutputRedirected && !text.EndsWith('\n'))
        {
            Out.WriteLine();
        }
        Out.Flush();
    }

    public static string Preview(string text, int max)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max + 1));
        foreach (var c in text)
        {
            if (sb.Length >= max)
            {
                if (char.IsHighSurrogate(sb[^1]))
                {
                    sb.Length--;
                }
                sb.Append('…');
                break;
            }
            sb.Append(c switch
            {
                '\n' => '⏎',
                '\r' or '\t' => ' ',
                _ => char.IsControl(c) ? ' ' : c,
            });
        }
        return sb.ToString();
    }
}
