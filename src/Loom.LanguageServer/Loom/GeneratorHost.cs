using Loom.Core.Generation;
using Loom.Core.Generation.Offline;
using Loom.LanguageServer.Settings;

namespace Loom.LanguageServer.Loom;

/// <summary>
/// The <see cref="IGeneratorResolver"/> every session uses. It forwards to a resolver rebuilt when
/// settings or keys change, so sessions never need to be recreated. Keys set with
/// <c>loom.setApiKey</c> live here, in memory only, and are never logged.
/// </summary>
public sealed class GeneratorHost : IGeneratorResolver
{
    private readonly Func<LoomSettings, IReadOnlyDictionary<string, string>, IGeneratorResolver> _factory;
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private IGeneratorResolver? _current;
    private LoomSettings _settings = LoomSettings.Empty;

    /// <param name="factory">Builds the resolver from settings and keys; null: the offline models only.</param>
    public GeneratorHost(Func<LoomSettings, IReadOnlyDictionary<string, string>, IGeneratorResolver>? factory = null) =>
        _factory = factory ?? ((_, _) => new OfflineGeneratorResolver());

    public ITextGenerator Resolve(string model) => Current.Resolve(model);

    private IGeneratorResolver Current
    {
        get
        {
            lock (_gate)
            {
                return _current ??= _factory(_settings, new Dictionary<string, string>(_keys));
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

    public void SetKey(string provider, string key)
    {
        lock (_gate)
        {
            _keys[provider] = key;
            _current = null;
        }
    }

    /// <summary>The model for new trees when settings name none.</summary>
    public string DefaultModel(LoomSettings settings) => settings.Model ?? OfflineGeneratorResolver.MarkovModel;
}
