namespace Loom.Core.Generation;

/// <summary>Why a branch failed, as the editor protocol names it.</summary>
public enum ErrorCategory
{
    Auth,
    RateLimit,
    Network,
    Timeout,
    BadResponse,
    Config,
    Internal,
}

public static class ErrorCategories
{
    /// <summary>The protocol's camelCase name (auth, rateLimit, network, timeout, badResponse, config, internal).</summary>
    public static string ToProtocolName(this ErrorCategory category) => category switch
    {
        ErrorCategory.Auth => "auth",
        ErrorCategory.RateLimit => "rateLimit",
        ErrorCategory.Network => "network",
        ErrorCategory.Timeout => "timeout",
        ErrorCategory.BadResponse => "badResponse",
        ErrorCategory.Config => "config",
        _ => "internal",
    };
}

/// <summary>A categorized generation failure. Messages never contain keys.</summary>
public sealed class GenerationException : Exception
{
    public GenerationException(ErrorCategory category, string message, Exception? inner = null, TimeSpan? retryAfter = null)
        : base(message, inner)
    {
        Category = category;
        RetryAfter = retryAfter;
    }

    public ErrorCategory Category { get; }

    /// <summary>For <see cref="ErrorCategory.RateLimit"/>: how long the provider asked us to wait.</summary>
    public TimeSpan? RetryAfter { get; }
}
