using Loom.Core.Session;
using Loom.Core.Tree;
using Loom.LanguageServer.Protocol;

namespace Loom.LanguageServer.Sessions;

/// <summary>Session state and nodes to their protocol shapes.</summary>
public static class StateMapper
{
    public static LoomState ToProtocol(string uri, SessionState s)
    {
        var children = new LoomChild[s.Children.Length];
        for (var i = 0; i < children.Length; i++)
        {
            var c = s.Children[i];
            children[i] = new LoomChild(c.Id, c.Text, c.Model, c.IsBookmarked, s.DescendantCounts.TryGetValue(c.Id, out var n) ? n : 0);
        }
        return new LoomState(
            uri,
            s.TreeId,
            s.CurrentNodeId,
            s.FullText,
            children,
            s.SelectedChildIdx,
            s.DescendantCounts,
            s.ContinuationText,
            s.Model,
            s.MaxTokens,
            s.Temperature,
            s.NBranches,
            s.Context,
            s.RootId,
            s.ViewMode == ViewMode.Tree ? "tree" : "branch",
            s.HoistedNodeId,
            s.TreeNodes is { } nodes ? TreeNodes(nodes, s) : null,
            s.ShowModelNames,
            s.Bookmarked,
            s.Generating,
            s.ModelPlan.Select(ToProtocol).ToList());
    }

    public static LoomPlanEntry ToProtocol(ModelPlanEntry e) => new(e.Model, e.NBranches, e.MaxTokens, e.Temperature, e.Enabled);

    public static IReadOnlyList<LoomTreeNode> TreeNodes(IReadOnlyList<Node> nodes, SessionState? state)
    {
        var childCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            if (n.ParentId is { } p && n.Kind != NodeKind.Context)
            {
                childCounts[p] = childCounts.GetValueOrDefault(p) + 1;
            }
        }
        var result = new List<LoomTreeNode>(nodes.Count);
        foreach (var n in nodes)
        {
            if (n.Kind == NodeKind.Context)
            {
                continue;
            }
            result.Add(ToTreeNode(n, childCounts.GetValueOrDefault(n.Id)));
        }
        return result;
    }

    public static LoomTreeNode ToTreeNode(Node n, int childCount) =>
        new(n.Id, n.ParentId, n.Text, n.Model, n.IsBookmarked, childCount, n.CheckedOut, n.CreatedAt);

    /// <summary>The first line of a text, at most <paramref name="max"/> characters, for labels.</summary>
    public static string FirstLine(string text, int max = 80)
    {
        var trimmed = text.TrimStart('\r', '\n');
        var end = trimmed.AsSpan().IndexOfAny('\r', '\n');
        var line = end < 0 ? trimmed : trimmed[..end];
        if (line.Length > max)
        {
            var cut = max;
            if (char.IsHighSurrogate(line[cut - 1]))
            {
                cut--;
            }
            line = line[..cut] + "…";
        }
        return line;
    }
}
