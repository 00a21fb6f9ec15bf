using System.Net;
using System.Text;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>Everything a generator of one provider shares: settings, the HTTP client, the key source, limits.</summary>
internal sealed class ProviderContext
{
    /// <summary>A substring of a key at least this long counts as the key (providers echo masked keys).</summary>
    private const int MinKeyFragment = 8;

    private readonly Func<string?> _key;

    public ProviderContext(ProviderConfig config, HttpClient http, Func<string?> key, TimeSpan timeout, SemaphoreSlim limiter,
        Action<string>? log, Func<TimeSpan, CancellationToken, Task> delay)
    {
        Config = config;
        Http = http;
        _key = key;
        Timeout = timeout;
        Limiter = limiter;
        Log = log;
        Delay = delay;
    }

    public ProviderConfig Config { get; }

    public string Name => Config.Name;

    public HttpClient Http { get; }

    public TimeSpan Timeout { get; }

    public SemaphoreSlim Limiter { get; }

    public Action<string>? Log { get; }

    public Func<TimeSpan, CancellationToken, Task> Delay { get; }

    /// <summary>Base URL without a trailing slash.</summary>
    public string BaseUrl => (Config.BaseUrl ?? string.Empty).TrimEnd('/');

    /// <summary>The key to send, checked against the transport rule (https, or http to a loopback address).</summary>
    public string? KeyForRequest()
    {
        var key = _key();
        if (key is not null)
        {
            EnsureKeyMayTravel(Config);
        }

        return key;
    }

    public static void EnsureKeyMayTravel(ProviderConfig config)
    {
        if (!Uri.TryCreate(config.BaseUrl, UriKind.Absolute, out var uri))
        {
            throw new GenerationException(ErrorCategory.Config, $"provider '{config.Name}' has no valid baseUrl.");
        }

        if (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && IsLoopback(uri)))
        {
            return;
        }

        throw new GenerationException(ErrorCategory.Config,
            $"provider '{config.Name}' has an API key but its baseUrl uses {uri.Scheme}:// to {uri.Host}, which is not a loopback address; "
            + "Loom sends keys only over https, or over http to 127.0.0.1/localhost. Change the baseUrl to https.");
    }

    public static bool IsLoopback(Uri uri)
    {
        if (uri.IsLoopback)
        {
            return true;
        }

        string host = uri.IdnHost.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>Adds the provider's headers and, when there is a key, its auth header.</summary>
    public void ApplyHeaders(HttpRequestMessage request, bool anthropicStyle = false)
    {
        foreach (var (name, value) in Config.Headers)
        {
            request.Headers.Remove(name);
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var key = KeyForRequest();
        if (key is null)
        {
            return;
        }

        if (anthropicStyle)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        }
    }

    public bool ContainsKey(string text)
    {
        var key = _key();
        return key is not null && text.Length > 0 && Redact(text, key) != text;
    }

    /// <summary>Removes the key, and any piece of it of 8 characters or more, from <paramref name="text"/>.</summary>
    public string Redact(string text) => _key() is { } key ? Redact(text, key) : text;

    internal static string Redact(string text, string key)
    {
        if (key.Length == 0 || text.Length == 0)
        {
            return text;
        }

        if (key.Length < MinKeyFragment)
        {
            return text.Replace(key, "***", StringComparison.Ordinal);
        }

        var sb = new StringBuilder(text.Length);
        int i = 0;
        bool changed = false;
        while (i < text.Length)
        {
            int longest = 0;
            if (text.Length - i >= MinKeyFragment)
            {
                int len = MinKeyFragment;
                while (i + len <= text.Length && len <= key.Length && key.Contains(text.AsSpan(i, len), StringComparison.Ordinal))
                {
                    longest = len;
                    len++;
                }
            }

            if (longest >= MinKeyFragment)
            {
                sb.Append("***");
                i += longest;
                changed = true;
            }
            else
            {
                sb.Append(text[i]);
                i++;
            }
        }

        return changed ? sb.ToString() : text;
    }
}
