using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>Turns what providers and the network do into <see cref="GenerationException"/>s, never with a key in them.</summary>
internal static class ProviderErrors
{
    private const int MaxProviderMessage = 300;

    /// <summary>The category of an HTTP status a provider answered with.</summary>
    public static ErrorCategory CategoryOf(int status) => status switch
    {
        401 or 403 => ErrorCategory.Auth,
        429 => ErrorCategory.RateLimit,
        408 or 504 => ErrorCategory.Timeout,
        400 or 404 or 405 or 413 or 415 or 422 => ErrorCategory.Config,
        >= 500 => ErrorCategory.Network,
        _ => ErrorCategory.BadResponse,
    };

    /// <summary>The exception for a non-success HTTP answer. <paramref name="body"/> is the start of the error body.</summary>
    public static GenerationException FromStatus(ProviderContext ctx, int status, string? reason, string? body, TimeSpan? retryAfter)
    {
        var category = CategoryOf(status);
        string providerSays = ExtractMessage(body);
        string head = $"{ctx.Name} answered HTTP {status}{(string.IsNullOrEmpty(reason) ? string.Empty : " " + reason)}";
        string hint = category switch
        {
            ErrorCategory.Auth => ctx.Config.ApiKeyEnv is { Length: > 0 } env
                ? $" The provider rejected the key: check the environment variable {env} or set the key with loom.setApiKey."
                : " The provider rejected the request's credentials: set apiKeyEnv for this provider or use loom.setApiKey.",
            ErrorCategory.RateLimit => retryAfter is { } ra ? $" Rate limited; the provider asked to wait {ra.TotalSeconds:0.#} s." : " Rate limited.",
            ErrorCategory.Config => " Check the model name and the provider's settings.",
            _ => string.Empty,
        };
        string message = head + (providerSays.Length > 0 ? $": {providerSays}." : ".") + hint;
        return new GenerationException(category, ctx.Redact(message), retryAfter: retryAfter);
    }

    /// <summary>The exception for an <c>error</c> object a provider put into its stream (HTTP 200).</summary>
    public static GenerationException FromStreamError(ProviderContext ctx, JsonElement error)
    {
        string message = string.Empty;
        string? type = null;
        int? code = null;
        if (error.ValueKind == JsonValueKind.String)
        {
            message = error.GetString() ?? string.Empty;
        }
        else if (error.ValueKind == JsonValueKind.Object)
        {
            if (error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                message = m.GetString() ?? string.Empty;
            }

            if (error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String)
            {
                type = t.GetString();
            }

            if (error.TryGetProperty("code", out var c))
            {
                if (c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out int ci))
                {
                    code = ci;
                }
                else if (c.ValueKind == JsonValueKind.String)
                {
                    if (int.TryParse(c.GetString(), out int cs))
                    {
                        code = cs;
                    }
                    else
                    {
                        type ??= c.GetString();
                    }
                }
            }
        }

        var category = CategoryOfStreamError(type, code);
        string text = $"{ctx.Name} reported an error in its stream{(type is null ? string.Empty : $" ({type})")}: {Clip(message)}";
        return new GenerationException(category, ctx.Redact(text));
    }

    public static ErrorCategory CategoryOfStreamError(string? type, int? code)
    {
        if (code is int c && c >= 400)
        {
            return CategoryOf(c);
        }

        string t = (type ?? string.Empty).ToLowerInvariant();
        return t switch
        {
            _ when t.Contains("rate", StringComparison.Ordinal) || t.Contains("quota", StringComparison.Ordinal) => ErrorCategory.RateLimit,
            _ when t.Contains("auth", StringComparison.Ordinal) || t.Contains("api_key", StringComparison.Ordinal) || t.Contains("permission", StringComparison.Ordinal) => ErrorCategory.Auth,
            _ when t.Contains("timeout", StringComparison.Ordinal) => ErrorCategory.Timeout,
            _ when t.Contains("overload", StringComparison.Ordinal) || t.Contains("server", StringComparison.Ordinal) || t.Contains("unavailable", StringComparison.Ordinal) => ErrorCategory.Network,
            _ when t.Contains("invalid_request", StringComparison.Ordinal) || t.Contains("not_found", StringComparison.Ordinal) => ErrorCategory.Config,
            _ => ErrorCategory.BadResponse,
        };
    }

    /// <summary>Everything else a stream can throw, as a categorized exception.</summary>
    public static GenerationException Translate(ProviderContext ctx, Exception ex, bool idleTimedOut)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is GenerationException g)
            {
                return g;
            }
        }

        if (idleTimedOut)
        {
            return new GenerationException(ErrorCategory.Timeout,
                $"{ctx.Name} sent nothing for {ctx.Timeout.TotalSeconds:0.##} s (timeoutSeconds); the branch was stopped.");
        }

        switch (ex)
        {
            case OperationCanceledException when ex.InnerException is TimeoutException:
                return new GenerationException(ErrorCategory.Timeout, $"the request to {ctx.Name} timed out.");
            case HttpRequestException h when h.StatusCode is HttpStatusCode code:
                return FromStatus(ctx, (int)code, null, null, null);
            case HttpRequestException h:
                return new GenerationException(ErrorCategory.Network, ctx.Redact($"could not reach {ctx.Name} ({Describe(h)})."), Scrub(ctx, ex));
            case IOException or SocketException:
                return new GenerationException(ErrorCategory.Network, ctx.Redact($"the connection to {ctx.Name} broke ({Clip(ex.Message)})."), Scrub(ctx, ex));
            case JsonException:
            case FormatException:
                return new GenerationException(ErrorCategory.BadResponse, ctx.Redact($"{ctx.Name} sent a malformed stream ({Clip(ex.Message)})."), Scrub(ctx, ex));
            case ClientResultException c when c.Status > 0:
                return FromStatus(ctx, c.Status, null, null, null);
            case ClientResultException c:
                return new GenerationException(ErrorCategory.Network, ctx.Redact($"could not reach {ctx.Name} ({Clip(c.Message)})."), Scrub(ctx, ex));
            default:
                return new GenerationException(ErrorCategory.Internal, ctx.Redact($"{ctx.Name}: {ex.GetType().Name}: {Clip(ex.Message)}"), Scrub(ctx, ex));
        }
    }

    /// <summary>How long a 429 asked to wait: seconds or an HTTP date.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header is null)
        {
            return null;
        }

        if (header.Delta is TimeSpan d)
        {
            return d < TimeSpan.Zero ? TimeSpan.Zero : d;
        }

        if (header.Date is DateTimeOffset date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    public static TimeSpan? RetryAfter(string? value, DateTimeOffset now) =>
        value is not null && RetryConditionHeaderValue.TryParse(value, out var h) ? RetryAfter(h, now) : null;

    public static async Task<GenerationException> FromResponseAsync(ProviderContext ctx, HttpResponseMessage response, CancellationToken ct)
    {
        string? body = null;
        try
        {
            body = await ReadStartAsync(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            // The status says enough.
        }

        var retryAfter = RetryAfter(response.Headers.RetryAfter, DateTimeOffset.UtcNow);
        return FromStatus(ctx, (int)response.StatusCode, response.ReasonPhrase, body, retryAfter);
    }

    public static async Task<string> ReadStartAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[8192];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    /// <summary>The provider's own words from an error body (OpenAI, Anthropic and Ollama shapes), clipped.</summary>
    public static string ExtractMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return string.Empty;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var err))
            {
                if (err.ValueKind == JsonValueKind.String)
                {
                    return Clip(err.GetString());
                }

                if (err.ValueKind == JsonValueKind.Object && err.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    return Clip(m.GetString());
                }
            }

            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var msg) && msg.ValueKind == JsonValueKind.String)
            {
                return Clip(msg.GetString());
            }
        }
        catch (JsonException)
        {
            // Not JSON: an HTML error page or plain text.
        }

        return Clip(body.Trim());
    }

    public static string Clip(string? s)
    {
        if (string.IsNullOrEmpty(s))
        {
            return string.Empty;
        }

        s = s.ReplaceLineEndings(" ");
        return s.Length <= MaxProviderMessage ? s : s[..MaxProviderMessage] + "…";
    }

    private static string Describe(HttpRequestException h) => h.HttpRequestError switch
    {
        HttpRequestError.ConnectionError => "connection refused or failed",
        HttpRequestError.NameResolutionError => "the host name did not resolve",
        HttpRequestError.SecureConnectionError => "TLS failed",
        HttpRequestError.ResponseEnded => "the response ended early",
        _ => Clip(h.Message),
    };

    /// <summary>Inner exceptions are kept for diagnosis only when their text carries no key.</summary>
    private static Exception? Scrub(ProviderContext ctx, Exception ex) => ctx.ContainsKey(ex.ToString()) ? null : ex;
}
