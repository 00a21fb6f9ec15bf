using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Core.Tree;

/// <summary>One entry of <c>trees.model_plan_json</c>: which model makes how many branches.</summary>
public sealed record ModelPlanEntry(string Model, int NBranches, int MaxTokens, double Temperature, bool Enabled = true)
{
    public const int MinMaxTokens = 1;
    public const int MaxMaxTokens = 32_768;
    public const int MinBranches = 1;
    public const int MaxBranches = 64;
    public const double MinTemperature = 0.0;
    public const double MaxTemperature = 2.0;

    public static ModelPlanEntry Default(string model) => new(model, 3, 64, 1.0);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for settings outside the allowed ranges.</summary>
    public ModelPlanEntry Validated()
    {
        ValidateMaxTokens(MaxTokens);
        ValidateBranches(NBranches);
        ValidateTemperature(Temperature);
        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new ArgumentException("model must not be empty", nameof(Model));
        }
        return this;
    }

    public static void ValidateMaxTokens(int value)
    {
        if (value is < MinMaxTokens or > MaxMaxTokens)
        {
            throw new ArgumentOutOfRangeException("maxTokens", value, "maxTokens must be between 1 and 32768");
        }
    }

    public static void ValidateBranches(int value)
    {
        if (value is < MinBranches or > MaxBranches)
        {
            throw new ArgumentOutOfRangeException("branches", value, "branches must be between 1 and 64");
        }
    }

    public static void ValidateTemperature(double value)
    {
        if (double.IsNaN(value) || value is < MinTemperature or > MaxTemperature)
        {
            throw new ArgumentOutOfRangeException("temperature", value, "temperature must be between 0 and 2");
        }
    }

    public static string ToJson(IReadOnlyList<ModelPlanEntry> plan)
    {
        var array = new JsonArray();
        foreach (var e in plan)
        {
            array.Add(new JsonObject
            {
                ["model"] = e.Model,
                ["n_branches"] = e.NBranches,
                ["max_tokens"] = e.MaxTokens,
                ["temperature"] = e.Temperature,
                ["enabled"] = e.Enabled,
            });
        }
        return array.ToJsonString();
    }

    /// <summary>Reads a stored plan; malformed entries are skipped, never thrown on.</summary>
    public static IReadOnlyList<ModelPlanEntry> ParseJson(string? json)
    {
        var result = new List<ModelPlanEntry>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return result;
        }
        if (parsed is not JsonArray array)
        {
            return result;
        }
        foreach (var item in array.OfType<JsonObject>())
        {
            var model = item["model"] is JsonValue m && m.TryGetValue<string>(out var s) ? s : null;
            if (string.IsNullOrWhiteSpace(model))
            {
                continue;
            }
            result.Add(new ModelPlanEntry(
                model,
                ReadInt(item["n_branches"], 3),
                ReadInt(item["max_tokens"], 64),
                ReadDouble(item["temperature"], 1.0),
                item["enabled"] is not JsonValue en || !en.TryGetValue<bool>(out var b) || b));
        }
        return result;
    }

    private static int ReadInt(JsonNode? node, int fallback) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : fallback;

    private static double ReadDouble(JsonNode? node, double fallback) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? d : fallback;
}
