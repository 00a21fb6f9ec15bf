using System.Text;
using Loom.Core.Formats.Export;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Formats;

/// <summary>How to export.</summary>
public sealed record ExportOptions
{
    /// <summary>For Markdown and text: the node whose path is written (default: the tree's current node).</summary>
    public string? NodeId { get; init; }

    /// <summary>For Markdown: quote the siblings at each branch point.</summary>
    public bool Alternatives { get; init; }
}

/// <summary>Writes a stored tree in one of <see cref="LoomFormats.Exportable"/>.</summary>
public static class LoomExporter
{
    public static void Export(ILoomStore store, string treeId, LoomFormat format, Stream output, ExportOptions? options = null)
    {
        var snap = format is LoomFormat.Markdown or LoomFormat.Text
            ? PathSnapshot(store, treeId, options?.NodeId)
            : TreeSnapshot.FromStore(store, treeId);
        Export(snap, format, output, options);
    }

    /// <summary>
    /// Only what a path export reads: the path from the root, the siblings along it and the context
    /// (a few queries, however big the tree).
    /// </summary>
    private static TreeSnapshot PathSnapshot(ILoomStore store, string treeId, string? nodeId)
    {
        var tree = store.GetTree(treeId);
        var endId = nodeId ?? tree.CurrentNodeId ?? treeId;
        var end = store.GetNode(endId);
        if (end.TreeId != tree.Id)
        {
            throw new ArgumentException($"node '{endId}' belongs to another tree", nameof(nodeId));
        }
        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        var lineage = end.Kind == NodeKind.Context ? new[] { end } : store.GetLineage(endId);
        foreach (var n in lineage)
        {
            nodes[n.Id] = n;
        }
        foreach (var n in lineage)
        {
            if (n.ParentId is not null)
            {
                foreach (var sibling in store.GetChildren(n.ParentId))
                {
                    nodes.TryAdd(sibling.Id, sibling);
                }
            }
        }
        if (store.GetContextNode(treeId) is { } context)
        {
            nodes.TryAdd(context.Id, context);
        }
        return new TreeSnapshot(tree, nodes.Values.ToList());
    }

    public static void Export(TreeSnapshot snap, LoomFormat format, Stream output, ExportOptions? options = null)
    {
        options ??= new ExportOptions();
        switch (format)
        {
            case LoomFormat.Loom:
                JsonExporters.WriteLoom(snap, output);
                break;
            case LoomFormat.Basemode:
                JsonExporters.WriteBasemode(snap, output);
                break;
            case LoomFormat.Socketteer:
                SocketteerExporter.Write(snap, output);
                break;
            case LoomFormat.Markdown:
                WriteUtf8(output, TextExporters.Markdown(snap, End(snap, options), options.Alternatives));
                break;
            case LoomFormat.Text:
                WriteUtf8(output, TextExporters.PlainText(snap, End(snap, options)));
                break;
            default:
                throw new ArgumentException(
                    $"Loom cannot export '{format.Name()}'; export formats are: {string.Join(", ", LoomFormats.Exportable.Select(f => f.Name()))}",
                    nameof(format));
        }
    }

    /// <summary>The export as a string (tests, the language server).</summary>
    public static string ExportToString(TreeSnapshot snap, LoomFormat format, ExportOptions? options = null)
    {
        using var ms = new MemoryStream();
        Export(snap, format, ms, options);
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    private static Node End(TreeSnapshot snap, ExportOptions options)
    {
        if (options.NodeId is null)
        {
            return snap.Current;
        }
        var node = snap.Find(options.NodeId) ?? throw new NodeNotFoundException(options.NodeId);
        if (node.Kind == NodeKind.Context)
        {
            throw new ArgumentException($"node '{options.NodeId}' is the tree's context, not part of a path", nameof(options));
        }
        return node;
    }

    private static void WriteUtf8(Stream output, string text)
    {
        var bytes = new UTF8Encoding(false).GetBytes(text);
        output.Write(bytes);
    }
}
