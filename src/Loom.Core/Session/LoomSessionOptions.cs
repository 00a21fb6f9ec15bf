using Loom.Core.Tree;

namespace Loom.Core.Session;

/// <summary>How a session behaves where the tree says nothing.</summary>
public sealed record LoomSessionOptions
{
    /// <summary>Used when a tree's stored model plan is empty (e.g. a tree basemode-loom made).</summary>
    public ModelPlanEntry DefaultPlanEntry { get; init; } = ModelPlanEntry.Default("offline/markov");

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How much stored text the offline Markov generator may learn from.</summary>
    public int OfflineCorpusChars { get; init; } = 200_000;
}

/// <summary>Settings for one <see cref="LoomSession.GenerateAsync"/> call only.</summary>
public sealed record GenerationOverrides(string? Model = null, int? MaxTokens = null, int? Branches = null, double? Temperature = null);
