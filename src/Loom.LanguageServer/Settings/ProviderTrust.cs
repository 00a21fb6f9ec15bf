using System.Text.Json.Nodes;

namespace Loom.LanguageServer.Settings;

/// <summary>
/// Where a provider sends requests, which key variable it reads and which headers it adds decide where a
/// user's key goes. Those fields are taken only from the client's <c>initializationOptions</c> (user-level
/// settings: both clients send them there); from <c>workspace/configuration</c> and
/// <c>workspace/didChangeConfiguration</c>, which may carry a workspace's own settings, they are dropped
/// with a warning, so a file in a repository cannot send the user's key to another host.
/// </summary>
public sealed class ProviderTrust
{
    private JsonObject _trusted = new();

    public const string TrustedOrigin = "initializationOptions";

    private static readonly string[] KeyRoutingFields = ["baseUrl", "apiKeyEnv", "headers"];

    /// <summary>A copy of <paramref name="section"/> without key-routing provider fields, unless it comes from the trusted origin.</summary>
    public JsonNode? Filter(JsonNode? section, string origin, ICollection<string> warnings)
    {
        if (origin == TrustedOrigin)
        {
            if (section is JsonObject { } trustedSection && trustedSection["providers"] is JsonObject trustedProviders)
            {
                _trusted = (JsonObject)trustedProviders.DeepClone();
            }
            return section;
        }
        if (section is not JsonObject obj || obj["providers"] is not JsonObject providers)
        {
            return section;
        }
        var copy = (JsonObject)obj.DeepClone();
        var copiedProviders = (JsonObject)copy["providers"]!;
        foreach (var (name, entry) in providers)
        {
            if (entry is not JsonObject fields || copiedProviders[name] is not JsonObject target)
            {
                continue;
            }
            foreach (var field in KeyRoutingFields)
            {
                if (fields.ContainsKey(field))
                {
                    target.Remove(field);
                    // The same value the user settings gave (clients echo them) is dropped without a word.
                    if (JsonNode.DeepEquals(fields[field], (_trusted[name] as JsonObject)?[field]))
                    {
                        continue;
                    }
                    warnings.Add($"loom.providers.{name}.{field} from {origin} is ignored: a provider's address, key variable and headers " +
                        "are taken only from user settings (initializationOptions), so workspace settings cannot send your key elsewhere");
                }
            }
        }
        return copy;
    }
}
