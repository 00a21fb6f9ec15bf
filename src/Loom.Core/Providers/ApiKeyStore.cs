using System.Collections.Concurrent;

namespace Loom.Core.Providers;

/// <summary>
/// API keys of this process: handed over at run time (an editor's secret storage through
/// <c>loom.setApiKey</c>), else read from the environment variable the provider names. Keys live in
/// memory only; nothing here writes, logs or prints them.
/// </summary>
public sealed class ApiKeyStore
{
    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly Func<string, string?> _environment;

    public ApiKeyStore(Func<string, string?>? environment = null) =>
        _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <summary>Holds <paramref name="key"/> for <paramref name="provider"/>; an empty key forgets it.</summary>
    public void Set(string provider, string key)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (string.IsNullOrWhiteSpace(key))
        {
            _keys.TryRemove(provider, out _);
        }
        else
        {
            _keys[provider] = key.Trim();
        }
    }

    /// <summary>The in-memory key of the provider first, else the environment variable named by <see cref="ProviderConfig.ApiKeyEnv"/>.</summary>
    public string? Get(ProviderConfig p) => Get(p, _environment);

    internal string? Get(ProviderConfig p, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (_keys.TryGetValue(p.Name, out var key))
        {
            return key;
        }

        if (string.IsNullOrEmpty(p.ApiKeyEnv))
        {
            return null;
        }

        var value = environment(p.ApiKeyEnv);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    internal bool HasInMemory(string provider) => _keys.ContainsKey(provider);
}
