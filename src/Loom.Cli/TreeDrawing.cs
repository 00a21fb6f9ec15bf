using Loom.Core.Formats;
using Loom.Core.Tree;

namespace Loom.Cli;

/// <summary>Draws a tree with box characters, without recursion (trees can be 100,000 levels deep).</summary>
internal static class TreeDrawing
{
    public const int IdLength = 8;

    public const int MaxIndent = 24;

    public static void Draw(TreeSnapshot snap, TextWriter output, int? maxDepth, int width)
    {
        var selected = new HashSet<string>(snap.Lineage(snap.Current.Id).Select(n => n.Id), StringComparer.Ordinal);
        var total = snap.Nodes.Count(n => n.Kind != NodeKind.Context);
        output.WriteLine($"{snap.Tree.Name ?? "(unnamed tree)"}  {snap.Tree.Id}  {total} node{(total == 1 ? "" : "s")}");
        if (snap.Context is { } context)
        {
            output.WriteLine($"context: {CliContext.Preview(context.Text, width)}");
        }
        // Stack of (node, prefix for its children, its own connector line prefix).
        var stack = new Stack<(Node Node, string Prefix, string Lead, int Depth)>();
        stack.Push((snap.Root, "", "", 0));
        while (stack.Count > 0)
        {
            var (node, prefix, lead, depth) = stack.Pop();
            output.WriteLine(lead + Label(node, selected, snap.Current.Id, width));
            var kids = snap.ChildrenOf(node.Id);
            if (kids.Count == 0)
            {
                continue;
            }
            if (maxDepth is { } limit && depth >= limit)
            {
                var below = CountBelow(snap, node);
                output.WriteLine($"{prefix}└── … {below} more node{(below == 1 ? "" : "s")} below");
                continue;
            }
            // Past MaxIndent levels the drawing stops moving right (a 100,000-deep chain stays readable).
            var indent = depth < MaxIndent;
            for (var i = kids.Count - 1; i >= 0; i--)
            {
                var last = i == kids.Count - 1;
                var childPrefix = indent ? prefix + (last ? "    " : "│   ") : prefix;
                stack.Push((kids[i], childPrefix, prefix + (last ? "└── " : "├── "), depth + 1));
            }
        }
    }

    private static string Label(Node node, HashSet<string> selected, string currentId, int width)
    {
        var marks = (selected.Contains(node.Id) ? "●" : "○") + (node.IsBookmarked ? "★" : "");
        var model = node.Model is null ? "" : $" [{node.Model}]";
        var cursor = node.Id == currentId ? "  ◀ current" : "";
        var text = node.Text.Length == 0 ? "(empty)" : "“" + CliContext.Preview(node.Text, width) + "”";
        return $"{marks} {node.Id[..Math.Min(IdLength, node.Id.Length)]} {text}{model}{cursor}";
    }

    private static int CountBelow(TreeSnapshot snap, Node node)
    {
        var count = 0;
        var stack = new Stack<Node>();
        stack.Push(node);
        while (stack.Count > 0)
        {
            foreach (var c in snap.ChildrenOf(stack.Pop().Id))
            {
                count++;
                stack.Push(c);
            }
        }
        return count;
    }
}
