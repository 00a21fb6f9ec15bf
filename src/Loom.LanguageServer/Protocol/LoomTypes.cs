using System.Text.Json.Serialization;

namespace Loom.LanguageServer.Protocol;

/// <summary>The protocol's <c>LoomState</c>: camelCase JSON of the session state.</summary>
public sealed record LoomState(
    string Uri,
    string TreeId,
    string CurrentNodeId,
    string FullText,
    IReadOnlyList<LoomChild> Children,
    int SelectedChildIdx,
    IReadOnlyDictionary<string, int> DescendantCounts,
    string ContinuationText,
    string Model,
    int MaxTokens,
    double Temperature,
    int NBranches,
    string Context,
    string RootId,
    string ViewMode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? HoistedNodeId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<LoomTreeNode>? TreeNodes,
    bool ShowModelNames,
    bool Bookmarked,
    bool Generating,
    IReadOnlyList<LoomPlanEntry> ModelPlan);

public sealed record LoomChild(string Id, string Text, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Model, bool Bookmarked, int DescendantCount);

public sealed record LoomPlanEntry(string Model, int Branches, int MaxTokens, double Temperature, bool Enabled);

/// <summary>A node as <c>loom/tree</c> and tree view list it.</summary>
public sealed record LoomTreeNode(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ParentId,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Model,
    bool Bookmarked,
    int ChildCount,
    bool CheckedOut,
    string CreatedAt);

public sealed record LoomTreeSummary(string Id, string? Name, string Preview, int NodeCount, string UpdatedAt, IReadOnlyList<string> Uris);

public sealed record LoomStateChangedParams(string Uri, LoomState State);

public sealed record ToggleBookmarkResult(bool Bookmarked, LoomState State);

public sealed record ImportResult(string TreeId, string Uri, IReadOnlyList<string> TreeIds);

public sealed record ExportResult(string Path);

/// <summary><c>loom/generation</c>: one shape with the fields of each event kind (unused ones omitted).</summary>
public sealed record LoomGenerationEvent(
    string Uri,
    string GenerationId,
    string Event,
    int? BranchIdx = null,
    string? Token = null,
    string? Model = null,
    IReadOnlyList<string>? Completions = null,
    IReadOnlyList<string>? NewNodeIds = null,
    string? Message = null,
    string? Category = null,
    IReadOnlyList<LoomBranchFailure>? Failures = null,
    IReadOnlyList<string>? KeptNodeIds = null);

public sealed record LoomBranchFailure(int BranchIdx, string Model, string Category, string Message, string? NodeId);
