using System.Text;
using Loom.Core.Tree;

namespace Loom.Core.Formats.Export;

/// <summary>Markdown of a path (optionally with the alternatives at each branch point) and plain text.</summary>
internal static class TextExporters
{
    public static string PlainText(TreeSnapshot snap, Node end) => snap.PathText(end.Id);

    /// <summary>
    /// A heading with the tree's name, the context (if any) as a quote, then the path's text. With
    /// <paramref name="alternatives"/>, each segment chosen at a branch point is followed by a
    /// quoted list of its siblings' segments.
    /// </summary>
    public static string Markdown(TreeSnapshot snap, Node end, bool alternatives)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(OneLine(snap.Tree.Name ?? "Loom tree")).Append("\n\n");
        if (snap.Context is { Text.Length: > 0 } context)
        {
            sb.Append("> **Context:**\n");
            Quote(sb, context.Text);
            sb.Append('\n');
        }
        var lineage = snap.Lineage(end.Id);
        if (!alternatives)
        {
            foreach (var n in lineage)
            {
                sb.Append(n.Text);
            }
            EndWithNewline(sb);
            return sb.ToString();
        }
        foreach (var n in lineage)
        {
            sb.Append(n.Text);
            if (n.ParentId is null)
            {
                continue;
            }
            var siblings = snap.ChildrenOf(n.ParentId);
            if (siblings.Count < 2)
            {
                continue;
            }
            EndWithNewline(sb);
            sb.Append('\n');
            sb.Append("> **Alternatives** (").Append(siblings.Count - 1).Append(siblings.Count == 2 ? " other branch" : " other branches").Append("):\n");
            var i = 0;
            foreach (var s in siblings)
            {
                if (s.Id == n.Id)
                {
                    continue;
                }
                i++;
                sb.Append(">\n");
                Quote(sb, $"{i}. {s.Text.Trim()}");
            }
            sb.Append('\n');
        }
        EndWithNewline(sb);
        return sb.ToString();
    }

    private static void Quote(StringBuilder sb, string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            sb.Append(line.Length == 0 ? ">" : "> ").Append(line).Append('\n');
        }
    }

    private static void EndWithNewline(StringBuilder sb)
    {
        if (sb.Length > 0 && sb[^1] != '\n')
        {
            sb.Append('\n');
        }
    }

    private static string OneLine(string s) => s.Replace('\n', ' ').Replace('\r', ' ');
}
