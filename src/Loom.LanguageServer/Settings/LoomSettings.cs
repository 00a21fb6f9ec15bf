using System.Text.Json.Nodes;

namespace Loom.LanguageServer.Settings;

/// <summary>
/// The merged <c>loom</c> settings section (see docs/configuration.md). Values that are absent
/// are null: defaults are applied by the code that uses them.
/// </summary>
public sealed record LoomSettings(
    string? Model,
    int? MaxTokens,
    int? Branches,
    double? Temperature,
    double? TimeoutSeconds,
    JsonObject Providers)
{
    public static readonly LoomSettings Empty = new(null, null, null, null, null, new JsonObject());

    public const int DefaultMaxTokens = 64;
    public const int DefaultBranches = 3;
    public const double DefaultTemperature = 1.0;
    public const double DefaultTimeoutSeconds = 60;
}
