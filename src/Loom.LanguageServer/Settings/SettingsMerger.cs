using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core.Tree;

namespace Loom.LanguageServer.Settings;

/// <summary>
/// Merges the sources of the <c>loom</c> section, later wins field by field (objects merge
/// recursively, anything else replaces), and reads the result into <see cref="LoomSettings"/>.
/// Bad values are dropped with a warning rather than failing the whole section.
/// </summary>
public sealed class SettingsMerger
{
    private readonly object _gate = new();
    private JsonObject _merged = new();

    public LoomSettings Current { get; private set; } = LoomSettings.Empty;

    /// <summary>Merges one source; returns the warnings it produced (bad values, keys in settings).</summary>
    public IReadOnlyList<string> Merge(JsonNode? source)
    {
        var warnings = new List<string>();
        if (source is null)
        {
            return warnings;
        }
        if (source is not JsonObject obj)
        {
            warnings.Add("the 'loom' settings must be an object; ignored");
            return warnings;
        }
        lock (_gate)
        {
            var merged = (JsonObject)_merged.DeepClone();
            MergeInto(merged, obj);
            _merged = merged;
            Current = Read(merged, warnings);
        }
        return warnings;
    }

    public static void MergeInto(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject sourceChild && target[key] is JsonObject targetChild)
            {
                MergeInto(targetChild, sourceChild);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    private static LoomSettings Read(JsonObject json, List<string> warnings)
    {
        var model = ReadString(json, "model", warnings);
        var maxTokens = ReadInt(json, "maxTokens", warnings, ModelPlanEntry.MinMaxTokens, ModelPlanEntry.MaxMaxTokens);
        var branches = ReadInt(json, "branches", warnings, ModelPlanEntry.MinBranches, ModelPlanEntry.MaxBranches);
        var temperature = ReadDouble(json, "temperature", warnings, ModelPlanEntry.MinTemperature, ModelPlanEntry.MaxTemperature);
        var timeout = ReadDouble(json, "timeoutSeconds", warnings, 1, 3600);
        var providers = new JsonObject();
        if (json["providers"] is JsonObject p)
        {
            foreach (var (name, value) in p)
            {
                if (value is not JsonObject entry)
                {
                    warnings.Add($"loom.providers.{name} must be an object; ignored");
                    continue;
                }
                var copy = (JsonObject)entry.DeepClone();
                if (copy.Remove("apiKey"))
                {
                    warnings.Add($"loom.providers.{name}.apiKey is ignored: keys never travel in settings. " +
                                 "Set the environment variable named by 'apiKeyEnv', or run the command loom.setApiKey.");
                }
                providers[name] = copy;
            }
        }
        else if (json["providers"] is not null)
        {
            warnings.Add("loom.providers must be an object; ignored");
        }
        if (json.ContainsKey("apiKey"))
        {
            warnings.Add("loom.apiKey is ignored: keys never travel in settings. " +
                         "Set the environment variable named by 'apiKeyEnv', or run the command loom.setApiKey.");
        }
        return new LoomSettings(model, maxTokens, branches, temperature, timeout, providers);
    }

    private static string? ReadString(JsonObject json, string name, List<string> warnings)
    {
        var node = json[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var s = v.GetValue<string>();
            return string.IsNullOrWhiteSpace(s) ? null : s;
        }
        warnings.Add($"loom.{name} must be a string; ignored");
        return null;
    }

    private static int? ReadInt(JsonObject json, string name, List<string> warnings, int min, int max)
    {
        var node = json[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) &&
            d == Math.Floor(d) && d >= min && d <= max)
        {
            return (int)d;
        }
        warnings.Add($"loom.{name} must be an integer between {min} and {max}; ignored");
        return null;
    }

    private static double? ReadDouble(JsonObject json, string name, List<string> warnings, double min, double max)
    {
        var node = json[name];
        if (node is null)
        {
            return null;
        }
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) &&
            d >= min && d <= max)
        {
            return d;
        }
        warnings.Add($"loom.{name} must be a number between {min} and {max}; ignored");
        return null;
    }
}
