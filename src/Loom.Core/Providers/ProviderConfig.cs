using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Core.Providers;

/// <summary>Price of a model in USD per million tokens.</summary>
public sealed record ModelPrice(double Prompt, double Completion)
{
    /// <summary>Cost in USD of the given token counts.</summary>
    public double CostOf(int promptTokens, int completionTokens) =>
        (promptTokens * Prompt + completionTokens * Completion) / 1_000_000.0;
}

/// <summary>
/// One entry of <c>loom.providers</c> (or a built-in preset). <see cref="Kind"/> is one of
/// <c>completions</c>, <c>chat</c>, <c>anthropic</c>, <c>ollama</c>, <c>offline</c>; an empty
/// kind in a user entry means "keep the preset's".
/// </summary>
public sealed record ProviderConfig(
    string Name,
    string Kind,
    string? BaseUrl,
    string? ApiKeyEnv,
    IReadOnlyDictionary<string, string> Headers,
    string? Strategy,
    IReadOnlyDictionary<string, ModelPrice> Prices,
    double? TimeoutSeconds)
{
    public static readonly IReadOnlyList<string> Kinds = ["completions", "chat", "anthropic", "ollama", "offline"];

    public static readonly IReadOnlyList<string> Strategies = ["system", "prefill", "few_shot", "raw"];

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
    private static readonly IReadOnlyDictionary<string, ModelPrice> NoPrices = new Dictionary<string, ModelPrice>();

    /// <summary>
    /// Reads a provider entry of the settings (camelCase fields of the protocol page). Problems
    /// become <paramref name="warnings"/>, never exceptions; an <c>apiKey</c> field is ignored with one warning.
    /// </summary>
    public static ProviderConfig Parse(string name, JsonObject json, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(warnings);
        string kind = string.Empty;
        string? baseUrl = null, apiKeyEnv = null, strategy = null;
        double? timeout = null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var prices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        string where = $"loom.providers.{name}";

        foreach (var (field, value) in json)
        {
            switch (field)
            {
                case "kind":
                    var k = AsString(value);
                    if (k is not null && Kinds.Contains(k))
                    {
                        kind = k;
                    }
                    else
                    {
                        warnings.Add($"{where}.kind must be one of {string.Join(", ", Kinds)}; the entry keeps its preset's kind.");
                    }

                    break;
                case "baseUrl":
                    baseUrl = AsString(value);
                    if (baseUrl is not null && !Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri))
                    {
                        warnings.Add($"{where}.baseUrl is not an absolute URL; it is ignored.");
                        baseUrl = null;
                    }
                    else if (baseUrl is not null)
                    {
                        baseUrl = baseUrl.TrimEnd('/');
                    }

                    break;
                case "apiKeyEnv":
                    apiKeyEnv = AsString(value);
                    break;
                case "apiKey":
                    // Never echo the value.
                    warnings.Add($"{where}.apiKey is ignored: keys never travel in settings. Set the environment variable named by "
                        + $"{where}.apiKeyEnv, or hand the key over with the command loom.setApiKey (held in memory only).");
                    break;
                case "headers":
                    if (value is JsonObject h)
                    {
                        foreach (var (hn, hv) in h)
                        {
                            var s = AsString(hv);
                            if (s is null)
                            {
                                warnings.Add($"{where}.headers.{hn} must be a string; it is ignored.");
                            }
                            else if (hn.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                                || hn.Equals("x-api-key", StringComparison.OrdinalIgnoreCase)
                                || hn.Equals("api-key", StringComparison.OrdinalIgnoreCase))
                            {
                                warnings.Add($"{where}.headers.{hn} is ignored: keys never travel in settings (use apiKeyEnv or loom.setApiKey).");
                            }
                            else
                            {
                                headers[hn] = s;
                            }
                        }
                    }
                    else if (value is not null)
                    {
                        warnings.Add($"{where}.headers must be an object of strings; it is ignored.");
                    }

                    break;
                case "strategy":
                    strategy = AsString(value);
                    if (strategy is not null && !Strategies.Contains(strategy))
                    {
                        warnings.Add($"{where}.strategy must be one of {string.Join(", ", Strategies)}; it is ignored.");
                        strategy = null;
                    }

                    break;
                case "prices":
                    if (value is JsonObject p)
                    {
                        foreach (var (model, price) in p)
                        {
                            if (price is JsonObject po && AsNumber(po["prompt"]) is double pp && AsNumber(po["completion"]) is double pc && pp >= 0 && pc >= 0)
                            {
                                prices[model] = new ModelPrice(pp, pc);
                            }
                            else
                            {
                                warnings.Add($"{where}.prices.{model} must be {{\"prompt\": number, \"completion\": number}} (USD per million tokens); it is ignored.");
                            }
                        }
                    }
                    else if (value is not null)
                    {
                        warnings.Add($"{where}.prices must be an object; it is ignored.");
                    }

                    break;
                case "timeoutSeconds":
                    timeout = AsNumber(value);
                    if (timeout is not > 0)
                    {
                        warnings.Add($"{where}.timeoutSeconds must be a positive number; it is ignored.");
                        timeout = null;
                    }

                    break;
                default:
                    warnings.Add($"{where}.{field} is not a provider setting; it is ignored.");
                    break;
            }
        }

        return new ProviderConfig(name, kind, baseUrl, apiKeyEnv, headers, strategy, prices, timeout);
    }

    /// <summary>Reads the whole <c>loom.providers</c> object (name -> entry). Entries that are not objects are skipped with a warning.</summary>
    public static IReadOnlyDictionary<string, ProviderConfig> ParseAll(JsonObject? providers, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var result = new Dictionary<string, ProviderConfig>(StringComparer.Ordinal);
        if (providers is null)
        {
            return result;
        }

        foreach (var (name, entry) in providers)
        {
            if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal))
            {
                warnings.Add($"loom.providers: '{name}' is not a usable provider name (it must be non-empty and have no '/'); it is ignored.");
            }
            else if (entry is JsonObject o)
            {
                result[name] = Parse(name, o, warnings);
            }
            else
            {
                warnings.Add($"loom.providers.{name} must be an object; it is ignored.");
            }
        }

        return result;
    }

    /// <summary>Field by field, the user entry wins; headers and prices are united (the user's entries win).</summary>
    public static ProviderConfig Merge(ProviderConfig preset, ProviderConfig user)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(user);
        return new ProviderConfig(
            user.Name,
            string.IsNullOrEmpty(user.Kind) ? preset.Kind : user.Kind,
            user.BaseUrl ?? preset.BaseUrl,
            user.ApiKeyEnv ?? preset.ApiKeyEnv,
            Union(preset.Headers, user.Headers, StringComparer.OrdinalIgnoreCase),
            user.Strategy ?? preset.Strategy,
            Union(preset.Prices, user.Prices, StringComparer.Ordinal),
            user.TimeoutSeconds ?? preset.TimeoutSeconds);
    }

    internal static ProviderConfig Preset(string name, string kind, string? baseUrl, string? apiKeyEnv,
        IReadOnlyDictionary<string, ModelPrice>? prices = null, IReadOnlyDictionary<string, string>? headers = null, string? strategy = null) =>
        new(name, kind, baseUrl, apiKeyEnv, headers ?? NoHeaders, strategy, prices ?? NoPrices, null);

    private static Dictionary<string, T> Union<T>(IReadOnlyDictionary<string, T> a, IReadOnlyDictionary<string, T> b, StringComparer comparer)
    {
        var d = new Dictionary<string, T>(comparer);
        foreach (var (k, v) in a)
        {
            d[k] = v;
        }

        foreach (var (k, v) in b)
        {
            d[k] = v;
        }

        return d;
    }

    private static string? AsString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? AsNumber(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
}
