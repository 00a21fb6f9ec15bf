using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Loom.Core.Generation;

namespace Loom.Core.Providers;

/// <summary>
/// Resolves <c>provider/model</c> names to generators: the built-in presets, overridden or extended
/// field by field by the user's <c>loom.providers</c>.
/// </summary>
public sealed class ProviderRegistry : IGeneratorResolver
{
    /// <summary>How many streams one provider may run at once; further branches wait their turn.</summary>
    public const int MaxConcurrentStreamsPerProvider = 16;

    private static readonly Lazy<HttpClient> SharedHttp = new(CreateHttpClient);

    /// <summary>OpenAI models that only speak the legacy completions endpoint.</summary>
    private static readonly HashSet<string> OpenAiCompletionModels = new(StringComparer.Ordinal)
    {
        "gpt-3.5-turbo-instruct", "davinci-002", "babbage-002",
    };

    private static readonly (string Provider, string Model)[] DefaultModels =
    [
        ("openai", "gpt-4o-mini"),
        ("openrouter", "meta-llama/llama-3.1-405b"),
        ("together", "meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo"),
        ("fireworks", "accounts/fireworks/models/llama-v3p1-405b-instruct"),
        ("deepseek", "deepseek-chat"),
        ("anthropic", "claude-3-5-haiku-20241022"),
    ];

    private readonly Dictionary<string, ProviderConfig> _providers;
    private readonly ApiKeyStore _keys;
    private readonly HttpClient _http;
    private readonly double _defaultTimeoutSeconds;
    private readonly Func<string, string?> _environment;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _limiters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ITextGenerator> _generators = new(StringComparer.Ordinal);

    public ProviderRegistry(IReadOnlyDictionary<string, ProviderConfig>? userProviders, ApiKeyStore keys, HttpClient? http = null,
        double defaultTimeoutSeconds = 60, Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys;
        _http = http ?? SharedHttp.Value;
        _defaultTimeoutSeconds = defaultTimeoutSeconds > 0 ? defaultTimeoutSeconds : 60;
        _environment = environment ?? Environment.GetEnvironmentVariable;
        _providers = new Dictionary<string, ProviderConfig>(Presets, StringComparer.Ordinal);
        if (userProviders is not null)
        {
            foreach (var (name, user) in userProviders)
            {
                var named = user.Name == name ? user : user with { Name = name };
                _providers[name] = _providers.TryGetValue(name, out var preset) ? ProviderConfig.Merge(preset, named) : named;
            }
        }
    }

    /// <summary>
    /// A registry from the <c>loom</c> settings section: its <c>providers</c> object and top-level
    /// <c>timeoutSeconds</c>. Problems become <paramref name="warnings"/>; keys are never read from settings.
    /// </summary>
    public static ProviderRegistry FromSettings(JsonObject? settings, ApiKeyStore keys, ICollection<string> warnings, HttpClient? http = null,
        Func<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        JsonObject? providers = null;
        if (settings?["providers"] is JsonObject p)
        {
            providers = p;
        }
        else if (settings?["providers"] is { } other)
        {
            warnings.Add($"loom.providers must be an object of provider entries, not {other.GetValueKind().ToString().ToLowerInvariant()}; it is ignored.");
        }

        double timeout = 60;
        if (settings?["timeoutSeconds"] is JsonValue t && t.GetValueKind() == System.Text.Json.JsonValueKind.Number && t.GetValue<double>() > 0)
        {
            timeout = t.GetValue<double>();
        }
        else if (settings?["timeoutSeconds"] is not null)
        {
            warnings.Add("loom.timeoutSeconds must be a positive number; the default of 60 s applies.");
        }

        return new ProviderRegistry(ProviderConfig.ParseAll(providers, warnings), keys, http, timeout, environment);
    }

    /// <summary>The built-in providers, in the order <see cref="DefaultModel"/> tries them.</summary>
    public static IReadOnlyDictionary<string, ProviderConfig> Presets { get; } = CreatePresets();

    /// <summary>Every provider this registry knows (presets merged with the user's entries).</summary>
    public IReadOnlyDictionary<string, ProviderConfig> Providers => _providers;

    /// <summary>Where offline models come from (<c>offline/markov</c>, <c>offline/markov-slow</c>). Null: Loom's Markov generator.</summary>
    public Func<string, ITextGenerator>? OfflineFactory { get; set; }

    /// <summary>Receives one line per retry and per failed branch; never a key.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>How waits before a retry are made (tests replace it to record them).</summary>
    internal Func<TimeSpan, CancellationToken, Task> Delay { get; set; } = Task.Delay;

    /// <summary>The first preset whose key is available (environment or handed over), else <c>offline/markov</c>.</summary>
    public string DefaultModel()
    {
        foreach (var (provider, model) in DefaultModels)
        {
            if (_providers.TryGetValue(provider, out var p) && p.ApiKeyEnv is not null && _keys.Get(p, _environment) is not null)
            {
                return $"{provider}/{model}";
            }
        }

        return "offline/markov";
    }

    public ModelPrice? PriceOf(string model)
    {
        var (provider, name) = Split(model);
        return provider is not null && _providers.TryGetValue(provider, out var p) && p.Prices.TryGetValue(name, out var price) ? price : null;
    }

    public ITextGenerator Resolve(string model)
    {
        var (providerName, modelName) = Split(model);
        if (providerName is null || modelName.Length == 0)
        {
            throw new GenerationException(ErrorCategory.Config,
                $"model '{model}' is not of the form provider/model (for example openai/gpt-4o-mini or offline/markov).");
        }

        if (!_providers.TryGetValue(providerName, out var config))
        {
            throw new GenerationException(ErrorCategory.Config,
                $"unknown provider '{providerName}' in model '{model}'. Known providers: {string.Join(", ", _providers.Keys.Order(StringComparer.Ordinal))}; "
                + "add one under the setting loom.providers.");
        }

        string kind = config.Kind;
        if (kind == "chat" && providerName == "openai" && OpenAiCompletionModels.Contains(modelName))
        {
            kind = "completions";
        }

        if (kind == "offline")
        {
            return ResolveOffline(modelName);
        }

        if (kind is not ("completions" or "chat" or "anthropic" or "ollama"))
        {
            throw new GenerationException(ErrorCategory.Config,
                $"provider '{providerName}' has no valid kind (one of {string.Join(", ", ProviderConfig.Kinds)}); set loom.providers.{providerName}.kind.");
        }

        if (!Uri.TryCreate(config.BaseUrl, UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new GenerationException(ErrorCategory.Config, $"provider '{providerName}' needs an http(s) baseUrl; set loom.providers.{providerName}.baseUrl.");
        }

        string? key = _keys.Get(config, _environment);
        if (key is null && !string.IsNullOrEmpty(config.ApiKeyEnv))
        {
            throw new GenerationException(ErrorCategory.Config,
                $"no API key for provider '{providerName}': set the environment variable {config.ApiKeyEnv} (or hand the key over with loom.setApiKey).");
        }

        if (key is not null)
        {
            ProviderContext.EnsureKeyMayTravel(config);
        }

        // Generators hold no per-request state (the key is read per request), so one per model serves every branch.
        return _generators.GetOrAdd(model, _ => Create(config, kind, providerName, modelName));
    }

    private ITextGenerator Create(ProviderConfig config, string kind, string providerName, string modelName)
    {
        var context = new ProviderContext(
            config,
            _http,
            () => _keys.Get(config, _environment),
            TimeSpan.FromSeconds(config.TimeoutSeconds ?? _defaultTimeoutSeconds),
            _limiters.GetOrAdd(providerName, static _ => new SemaphoreSlim(MaxConcurrentStreamsPerProvider)),
            line => Log?.Invoke(line),
            (wait, ct) => Delay(wait, ct));
        return kind switch
        {
            "completions" => new CompletionsGenerator(context, modelName),
            "chat" => new ChatGenerator(context, modelName),
            "anthropic" => new AnthropicGenerator(context, modelName),
            _ => new OllamaGenerator(context, modelName),
        };
    }

    private ITextGenerator ResolveOffline(string modelName)
    {
        if (OfflineFactory is { } factory)
        {
            return factory(modelName);
        }

        return OfflineModels.Create(modelName);
    }

    internal static (string? Provider, string Model) Split(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int slash = model.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 ? (null, model) : (model[..slash], model[(slash + 1)..]);
    }

    private static HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxResponseDrainSize = 0, // a stream stopped early (cancel, max tokens) closes its connection instead of draining it
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        return new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    private static Dictionary<string, ProviderConfig> CreatePresets()
    {
        static Dictionary<string, ModelPrice> Prices(params (string Model, double Prompt, double Completion)[] rows) =>
            rows.ToDictionary(r => r.Model, r => new ModelPrice(r.Prompt, r.Completion), StringComparer.Ordinal);

        // Dictionary preserves insertion order while nothing is removed: DefaultModel relies on this order.
        return new Dictionary<string, ProviderConfig>(StringComparer.Ordinal)
        {
            ["openai"] = ProviderConfig.Preset("openai", "chat", "https://api.openai.com/v1", "OPENAI_API_KEY",
                Prices(("gpt-4o-mini", 0.15, 0.6), ("gpt-4o", 2.5, 10), ("gpt-3.5-turbo-instruct", 1.5, 2), ("davinci-002", 2, 2), ("babbage-002", 0.4, 0.4))),
            ["openrouter"] = ProviderConfig.Preset("openrouter", "completions", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY",
                headers: new Dictionary<string, string> { ["X-Title"] = "Loom" }),
            ["together"] = ProviderConfig.Preset("together", "completions", "https://api.together.xyz/v1", "TOGETHER_API_KEY"),
            ["fireworks"] = ProviderConfig.Preset("fireworks", "completions", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
            ["deepseek"] = ProviderConfig.Preset("deepseek", "chat", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY",
                Prices(("deepseek-chat", 0.27, 1.1))),
            ["llamacpp"] = ProviderConfig.Preset("llamacpp", "completions", "http://127.0.0.1:8080/v1", null),
            ["vllm"] = ProviderConfig.Preset("vllm", "completions", "http://127.0.0.1:8000/v1", null),
            ["ollama"] = ProviderConfig.Preset("ollama", "ollama", "http://127.0.0.1:11434", null, strategy: "raw"),
            ["anthropic"] = ProviderConfig.Preset("anthropic", "anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY",
                Prices(("claude-3-5-haiku-20241022", 0.8, 4), ("claude-3-5-sonnet-20241022", 3, 15))),
            ["offline"] = ProviderConfig.Preset("offline", "offline", null, null),
        };
    }
}
