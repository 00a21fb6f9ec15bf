namespace Loom.LanguageServer.Server;

/// <summary>The command line: <c>--stdio</c>, <c>--db PATH</c> (or env LOOM_DB), <c>--log-level</c>, <c>--version</c>.</summary>
public sealed record ServerOptions(string DatabasePath, LogLevel LogLevel, bool ShowVersion, bool ShowHelp)
{
    public const string Usage =
        "usage: loom-language-server [--stdio] [--db PATH] [--log-level error|warn|info|debug] [--version]\n" +
        "  --stdio        speak LSP over stdin/stdout (the default and only transport)\n" +
        "  --db PATH      the SQLite loom database (default: env LOOM_DB, else the user data dir)\n" +
        "  --log-level L  how much to log to stderr and window/logMessage (default info)\n" +
        "  --version      print the version and exit";

    /// <summary>Parses the arguments; returns null and an error message when they are wrong.</summary>
    public static ServerOptions? Parse(IReadOnlyList<string> args, Func<string, string?> environment, out string? error)
    {
        error = null;
        string? db = null;
        var level = LogLevel.Info;
        var version = false;
        var help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inlineValue = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inlineValue = arg[(eq + 1)..];
                arg = arg[..eq];
            }
            switch (arg)
            {
                case "--stdio":
                    break;
                case "--version" or "-v":
                    version = true;
                    break;
                case "--help" or "-h":
                    help = true;
                    break;
                case "--db" or "--log-level":
                    var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : null);
                    if (string.IsNullOrEmpty(value))
                    {
                        error = $"{arg} needs a value";
                        return null;
                    }
                    if (arg == "--db")
                    {
                        db = value;
                    }
                    else if (!LogLevels.TryParse(value, out level))
                    {
                        error = $"unknown log level '{value}' (error, warn, info, debug)";
                        return null;
                    }
                    break;
                default:
                    // Clients sometimes pass transport flags we do not need (e.g. --clientProcessId=123).
                    if (arg.StartsWith("--clientProcessId", StringComparison.Ordinal))
                    {
                        break;
                    }
                    error = $"unknown argument '{args[i]}'";
                    return null;
            }
        }
        db ??= environment("LOOM_DB");
        if (string.IsNullOrWhiteSpace(db))
        {
            db = DefaultDatabasePath(environment);
        }
        return new ServerOptions(db, level, version, help);
    }

    /// <summary><c>$XDG_DATA_HOME/loom/trees.sqlite</c>, <c>~/.local/share/loom/trees.sqlite</c>, or <c>%LOCALAPPDATA%\loom\trees.sqlite</c>.</summary>
    public static string DefaultDatabasePath(Func<string, string?> environment)
    {
        if (OperatingSystem.IsWindows())
        {
            var local = environment("LOCALAPPDATA");
            if (string.IsNullOrEmpty(local))
            {
                local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            }
            return Path.Combine(local, "loom", "trees.sqlite");
        }
        var xdg = environment("XDG_DATA_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
        {
            return Path.Combine(xdg, "loom", "trees.sqlite");
        }
        var home = environment("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }
        return Path.Combine(home, ".local", "share", "loom", "trees.sqlite");
    }
}
