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
    public static void Export(ILoomStore store, string treeId, LoomFormat format, Stream output, ExportOptions? options = null) =>
        Export(TreeSnapshot.FromStore(store, treeId), format, output, options);

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
