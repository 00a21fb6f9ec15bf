namespace Loom.LanguageServer.Server;

public enum LogLevel
{
    Error = 1,
    Warning = 2,
    Info = 3,
    Debug = 4,
}

public static class LogLevels
{
    public static bool TryParse(string? value, out LogLevel level)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "error": level = LogLevel.Error; return true;
            case "warn" or "warning": level = LogLevel.Warning; return true;
            case "info" or "information": level = LogLevel.Info; return true;
            case "debug" or "trace" or "verbose" or "log": level = LogLevel.Debug; return true;
            default: level = LogLevel.Info; return false;
        }
    }
}
