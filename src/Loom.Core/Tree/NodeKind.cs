namespace Loom.Core.Tree;

/// <summary>The <c>nodes.kind</c> column of the shared schema.</summary>
public enum NodeKind
{
    /// <summary>The first node of a tree; <c>parent_id</c> is null and its id equals the tree id.</summary>
    Root,
    /// <summary>An ordinary segment of text below the root.</summary>
    Text,
    /// <summary>A system prompt; not part of any path's text.</summary>
    Context,
}

public static class NodeKinds
{
    public static string ToDb(this NodeKind kind) => kind switch
    {
        NodeKind.Root => "root",
        NodeKind.Context => "context",
        _ => "text",
    };

    public static NodeKind Parse(string? value) => value switch
    {
        "root" => NodeKind.Root,
        "context" => NodeKind.Context,
        _ => NodeKind.Text,
    };
}
