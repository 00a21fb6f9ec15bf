using System.Text;
using Loom.Core.Formats;
using Loom.Core.Tree;

namespace Loom.Formats.Tests.Support;

/// <summary>Fixture paths and tree comparisons shared by the tests.</summary>
internal static class Fx
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static ImportOptions Options(LoomFormat? format = null) => new() { Format = format, Now = Now };

    public static IReadOnlyList<ImportedTree> ImportAll(string name, LoomFormat? format = null) =>
        LoomImporter.ImportFile(Path(name), Options(format));

    public static ImportedTree Import(string name, LoomFormat? format = null) => Assert.Single(ImportAll(name, format));

    public static ImportedTree ImportText(string json, string label = "test.json", LoomFormat? format = null) =>
        Assert.Single(LoomImporter.Import(Encoding.UTF8.GetBytes(json), label, Options(format)));

    public static TreeSnapshot Snap(ImportedTree t) => TreeSnapshot.FromImported(t);

    public static Node ByText(ImportedTree t, string text) => t.Nodes.Single(n => n.Text == text);

    public static IReadOnlyList<Node> ChildrenOf(ImportedTree t, Node parent) => Snap(t).ChildrenOf(parent.Id);

    /// <summary>
    /// What every format keeps: the texts in tree order with depth, bookmarks, and the selected path's
    /// text. Models are compared separately where a format carries them.
    /// </summary>
    public static string Shape(TreeSnapshot snap, bool withModels = false, bool flags = false)
    {
        var sb = new StringBuilder();
        foreach (var (node, depth) in snap.PreOrder())
        {
            sb.Append(new string(' ', depth * 2)).Append('[').Append(node.Text).Append(']');
            if (node.IsBookmarked)
            {
                sb.Append(" *bookmark*");
            }
            if (flags && node.CheckedOut)
            {
                sb.Append(" *selected*");
            }
            if (withModels && node.Model is not null)
            {
                sb.Append(" model=").Append(node.Model);
            }
            sb.Append('\n');
        }
        if (!flags)
        {
            sb.Append("current: ").Append(snap.PathText(snap.Current.Id));
        }
        return sb.ToString();
    }
}
