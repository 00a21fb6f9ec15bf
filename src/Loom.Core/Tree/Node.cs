namespace Loom.Core.Tree;

/// <summary>
/// One row of the <c>nodes</c> table: a segment of text and how it was made. Immutable.
/// <see cref="Text"/> is only this node's segment; the text at a node is the segments from the
/// root down to it (context nodes excluded).
/// </summary>
public sealed record Node(
    string Id,
    string TreeId,
    string? ParentId,
    NodeKind Kind,
    string Text,
    string? ContextId,
    string? Model,
    string? Strategy,
    int? MaxTokens,
    double? Temperature,
    bool CheckedOut,
    string CreatedAt,
    NodeMetadata Metadata)
{
    public bool IsRoot => Kind == NodeKind.Root;

    public bool IsBookmarked => Metadata.IsBookmarked;

    /// <summary>A draft is text made by typing or editing that nothing has been generated from yet.</summary>
    public bool IsDraft => Metadata.IsDraft;

    /// <summary>Who wrote this segment: "model", "human" or "edited".</summary>
    public string Author => Metadata.SourceKind switch
    {
        "edited" => "edited",
        "human" or "prompt" or "import" => "human",
        _ when Model is not null && Kind == NodeKind.Text => "model",
        _ => "human",
    };
}
