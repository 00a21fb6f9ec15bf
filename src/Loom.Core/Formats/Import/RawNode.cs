using System.Text.Json.Nodes;
using Loom.Core.Tree;

namespace Loom.Core.Formats.Import;

/// <summary>
/// A node as an importer read it, before ids are checked and the tree is assembled. Links are
/// object references (<see cref="Parent"/>, <see cref="Children"/> in sibling order), so assembling
/// never looks ids up again.
/// </summary>
internal sealed class RawNode
{
    public RawNode(string? sourceId) => SourceId = sourceId;

    /// <summary>The id in the source file (opaque; may be null, numeric, or not 32-hex).</summary>
    public string? SourceId { get; }

    /// <summary>The parent's id as the file wrote it (for flat formats, before linking).</summary>
    public string? SourceParentId { get; set; }

    public RawNode? Parent { get; set; }

    public List<RawNode> Children { get; } = new();

    public NodeKind Kind { get; set; } = NodeKind.Text;

    public string Text { get; set; } = string.Empty;

    /// <summary>The context node this node points at (basemode-loom and Loom only).</summary>
    public RawNode? Context { get; set; }

    public string? SourceContextId { get; set; }

    public string? Model { get; set; }

    public string? Strategy { get; set; }

    public int? MaxTokens { get; set; }

    public double? Temperature { get; set; }

    public bool CheckedOut { get; set; }

    /// <summary>A normalized timestamp (see <see cref="Timestamps"/>), or null when the source has none.</summary>
    public string? CreatedAt { get; set; }

    public bool Bookmarked { get; set; }

    private JsonObject? _metadata;

    /// <summary>Extra metadata kept from the source (never API keys). Made on first use: most nodes have none.</summary>
    public JsonObject Metadata
    {
        get => _metadata ??= new JsonObject();
        set => _metadata = value;
    }

    /// <summary>The metadata object if any entry was ever added, else null (no allocation).</summary>
    internal JsonObject? MetadataIfAny => _metadata is { Count: > 0 } m ? m : null;

    /// <summary>The metadata object of the file, written out as it is (basemode-loom, Loom JSON); <see cref="Metadata"/> entries win.</summary>
    public Json.JObj? SourceMetadata { get; set; }

    // Set by TreeAssembler.
    internal string? AssignedId;
    internal string? EffectiveCreatedAt;
    internal bool Visited;
    internal bool Selected;

    /// <summary>Position in the file, for messages ("node #12").</summary>
    public int Ordinal { get; set; }

    public string Describe() => SourceId is null ? $"node #{Ordinal + 1}" : $"node '{SourceId}'";
}
