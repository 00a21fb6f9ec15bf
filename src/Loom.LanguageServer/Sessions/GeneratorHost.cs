using System.Text.Json.Nodes;
using Loom.Core.Generation;
using Loom.Core.Providers;
using Loom.LanguageServer.Server;
using Loom.LanguageServer.Settings;

namespace Loom.LanguageServer.Sessions;

/// <summary>
/// The <see cref="IGeneratorResolver"/> every session uses. It forwards to a resolver rebuilt when
/// settings change (by default Core's <see cref="ProviderRegistry"/> over the presets and the user's
/// <c>loom.providers</c>), so sessions never need to be recreated. Keys set with
/// <c>loom.setApiKey</c> live in one <see cref="ApiKeyStore"/>, in memory only, never logged.
/// </summary>
public sealed class GeneratorHost : IGeneratorResolver
{
    public delegate IGeneratorResolver Factory(LoomSettings settings, ApiKeyStore keys, ServerLog log);

    private readonly Factory _factory;
    private readonly ApiKeyStore _keys;
    private readonly ServerLog _log;
    private readonly object _gate = new();
    private IGeneratorResolver? _current;
    private LoomSettings _settings = LoomSettings.Empty;

    /// <param name="factory">Builds the resolver from settings and keys; null: <see cref="ProviderRegistry"/>.</param>
    public GeneratorHost(ServerLog log, Factory? factory = null, Func<string, string?>? environment = null)
    {
        _log = log;
        _factory = factory ?? CreateRegistry;
        _keys = new ApiKeyStore(environment);
    }

    public ITextGenerator Resolve(string model) => Current.Resolve(model);

    private IGeneratorResolver Current
    {
        get
        {
            lock (_gate)
            {
                return _current ??= _factory(_settings, _keys, _log);
            }
        }
    }

    public void UpdateSettings(LoomSettings settings)
    {
        lock (_gate)
        {
            _settings = settings;
            _current = null;
        }
    }

    public void SetKey(string provider, string key) => _keys.Set(provider, key);

    /// <summary>The model for new trees when settings name none: the first preset with a key, else <c>offline/markov</c>.</summary>
    public string DefaultModel(LoomSettings settings) =>
        settings.Model ?? (Current is ProviderRegistry registry ? registry.DefaultModel() : Core.Generation.Offline.OfflineGeneratorResolver.MarkovModel);

    /// <summary>Core's registry: presets overridden field by field by <c>loom.providers</c>.</summary>
    public static IGeneratorResolver CreateRegistry(LoomSettings settings, ApiKeyStore keys, ServerLog log)
    {
        var warnings = new List<string>();
        var providers = new Dictionary<string, ProviderConfig>(StringComparer.Ordinal);
        foreach (var (name, value) in settings.Providers)
        {
            if (value is JsonObject json)
            {
                providers[name] = ProviderConfig.Parse(name, json, warnings);
            }
        }
        foreach (var warning in warnings)
        {
            log.Warning($"loom.providers: {warning}");
        }
        return new ProviderRegistry(providers, keys, defaultTimeoutSeconds: settings.TimeoutSeconds ?? LoomSettings.DefaultTimeoutSeconds)
        {
            Log = message => log.Info(message),
        };
    }
}
