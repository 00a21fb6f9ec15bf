using Loom.Core.Tree;

namespace Loom.Core.Generation;

/// <summary>What <see cref="Session.LoomSession.GenerateAsync"/> yields. Every run ends with exactly one of
/// <see cref="GenerationComplete"/>, <see cref="GenerationError"/> or <see cref="GenerationCancelled"/>.</summary>
public abstract record GenerationEvent(string GenerationId);

/// <summary>A streamed piece of text of one branch (branch indexes are stable and numbered across the plan).</summary>
public sealed record TokenReceived(string GenerationId, int BranchIdx, string Token, string Model) : GenerationEvent(GenerationId);

/// <summary>At least one branch produced a node. <see cref="Failures"/> names the branches that did not finish.</summary>
public sealed record GenerationComplete(
    string GenerationId,
    IReadOnlyList<string> Completions,
    IReadOnlyList<Node> NewNodes,
    IReadOnlyList<BranchFailure> Failures) : GenerationEvent(GenerationId);

/// <summary>No branch produced a node; the tree is unchanged.</summary>
public sealed record GenerationError(string GenerationId, Exception Error, IReadOnlyList<BranchFailure> Failures) : GenerationEvent(GenerationId)
{
    public ErrorCategory Category => Error is GenerationException g ? g.Category : ErrorCategory.Internal;
}

/// <summary>Cancelled; partial branches with text were kept as nodes marked <c>cancelled</c>.</summary>
public sealed record GenerationCancelled(string GenerationId, IReadOnlyList<Node> KeptNodes) : GenerationEvent(GenerationId);

/// <summary>A branch that failed. <see cref="NodeId"/> is set when its partial text was kept (marked <c>incomplete</c>).</summary>
public sealed record BranchFailure(int BranchIdx, string Model, ErrorCategory Category, string Message, string? NodeId = null);
