using Loom.Core.Session;
using Loom.Core.Tree;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.setModel</c> <c>{model}</c>: the first entry of the tree's model plan.</summary>
public sealed class SetModelCommand : SessionCommand<string>
{
    public override string Name => "loom.setModel";

    protected override string ParseArgs(ParamReader args)
    {
        var model = args.NonEmptyString("model");
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new InvalidParamsException(args.FieldPath("model"), "must not be blank");
        }
        return model;
    }

    protected override SessionState Apply(LoomSession session, string model) => session.SetModel(model);
}

/// <summary><c>loom.setMaxTokens</c> <c>{maxTokens}</c> (1..32768).</summary>
public sealed class SetMaxTokensCommand : SessionCommand<int>
{
    public override string Name => "loom.setMaxTokens";

    protected override int ParseArgs(ParamReader args) =>
        args.IntInRange("maxTokens", ModelPlanEntry.MinMaxTokens, ModelPlanEntry.MaxMaxTokens);

    protected override SessionState Apply(LoomSession session, int value) => session.SetMaxTokens(value);
}

/// <summary><c>loom.setBranches</c> <c>{branches}</c> (1..64).</summary>
public sealed class SetBranchesCommand : SessionCommand<int>
{
    public override string Name => "loom.setBranches";

    protected override int ParseArgs(ParamReader args) =>
        args.IntInRange("branches", ModelPlanEntry.MinBranches, ModelPlanEntry.MaxBranches);

    protected override SessionState Apply(LoomSession session, int value) => session.SetNBranches(value);
}

/// <summary><c>loom.setTemperature</c> <c>{temperature}</c> (0..2); beyond the protocol table, for completeness.</summary>
public sealed class SetTemperatureCommand : SessionCommand<double>
{
    public override string Name => "loom.setTemperature";

    protected override double ParseArgs(ParamReader args) =>
        args.DoubleInRange("temperature", ModelPlanEntry.MinTemperature, ModelPlanEntry.MaxTemperature);

    protected override SessionState Apply(LoomSession session, double value) => session.SetTemperature(value);
}

/// <summary><c>loom.setContext</c> <c>{context}</c>: the tree's system prompt ("" removes it).</summary>
public sealed class SetContextCommand : SessionCommand<string>
{
    public override string Name => "loom.setContext";

    protected override string ParseArgs(ParamReader args) => args.String("context");

    protected override SessionState Apply(LoomSession session, string context) => session.SetContext(context);
}

/// <summary><c>loom.setModelPlan</c> <c>{plan: [{model, branches, maxTokens, temperature, enabled}]}</c>.</summary>
public sealed class SetModelPlanCommand : SessionCommand<IReadOnlyList<ModelPlanEntry>>
{
    public override string Name => "loom.setModelPlan";

    protected override IReadOnlyList<ModelPlanEntry> ParseArgs(ParamReader args)
    {
        var entries = args.Array("plan");
        if (entries.Count == 0)
        {
            throw new InvalidParamsException(args.FieldPath("plan"), "must have at least one entry");
        }
        var plan = new List<ModelPlanEntry>(entries.Count);
        foreach (var e in entries)
        {
            if (!e.IsObject)
            {
                throw new InvalidParamsException(e.FieldPath("").TrimEnd('.'), "must be an object");
            }
            var model = e.NonEmptyString("model");
            var branches = e.OptionalInt("branches") ?? e.OptionalInt("nBranches") ?? Settings.LoomSettings.DefaultBranches;
            var maxTokens = e.OptionalInt("maxTokens") ?? Settings.LoomSettings.DefaultMaxTokens;
            var temperature = e.OptionalDouble("temperature") ?? Settings.LoomSettings.DefaultTemperature;
            var enabled = e.OptionalBool("enabled") ?? true;
            if (branches is < ModelPlanEntry.MinBranches or > ModelPlanEntry.MaxBranches)
            {
                throw new InvalidParamsException(e.FieldPath("branches"), $"must be between {ModelPlanEntry.MinBranches} and {ModelPlanEntry.MaxBranches}; got {branches}");
            }
            if (maxTokens is < ModelPlanEntry.MinMaxTokens or > ModelPlanEntry.MaxMaxTokens)
            {
                throw new InvalidParamsException(e.FieldPath("maxTokens"), $"must be between {ModelPlanEntry.MinMaxTokens} and {ModelPlanEntry.MaxMaxTokens}; got {maxTokens}");
            }
            if (temperature is < ModelPlanEntry.MinTemperature or > ModelPlanEntry.MaxTemperature)
            {
                throw new InvalidParamsException(e.FieldPath("temperature"), $"must be between {ModelPlanEntry.MinTemperature} and {ModelPlanEntry.MaxTemperature}; got {temperature}");
            }
            plan.Add(new ModelPlanEntry(model, branches, maxTokens, temperature, enabled));
        }
        return plan;
    }

    protected override SessionState Apply(LoomSession session, IReadOnlyList<ModelPlanEntry> plan) => session.SetModelPlan(plan);
}
