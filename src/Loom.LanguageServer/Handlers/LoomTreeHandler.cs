using Loom.Core.Tree;
using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>loom/tree</c> <c>{uri, nodeId?, depth?}</c> -> nodes of the tree (or of the hoisted subtree, or
/// below <c>nodeId</c>) down to <c>depth</c> levels (default: all), for the tree views.
/// </summary>
public sealed class LoomTreeHandler : DocumentHandler<(string? NodeId, int? Depth)>
{
    public const int MaxDepth = 1_000_000;

    public LoomTreeHandler(ServerContext server) : base(server)
    {
    }

    public override string Method => Methods.LoomTree;

    public override bool Mutates => false;

    protected override string UriField => "uri";

    protected override (string Uri, (string? NodeId, int? Depth) Args) Parse(ParamReader p)
    {
        var depth = p.OptionalInt("depth");
        if (depth is < 0)
        {
            throw new InvalidParamsException("depth", "must not be negative");
        }
        return (p.NonEmptyString("uri"), (p.OptionalString("nodeId"), depth));
    }

    protected override Task<object?> ExecuteAsync(LoomDocument doc, (string? NodeId, int? Depth) args, CancellationToken cancellationToken)
    {
        var session = doc.RequireSession();
        var state = session.GetState();
        var store = session.Store;
        var startId = args.NodeId ?? state.HoistedNodeId ?? state.RootId;
        var start = store.TryGetNode(startId) ?? throw new InvalidParamsException("nodeId", $"names no node ('{startId}')");
        if (start.TreeId != state.TreeId)
        {
            throw new InvalidParamsException("nodeId", $"names a node of another tree ('{startId}')");
        }
        var all = store.GetTreeNodes(state.TreeId);
        var children = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var n in all)
        {
            if (n.ParentId is { } parent && n.Kind != NodeKind.Context)
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = new List<Node>();
                }
                list.Add(n);
            }
        }
        var maxDepth = args.Depth ?? MaxDepth;
        var result = new List<LoomTreeNode>();
        var stack = new Stack<(Node Node, int Depth)>();
        stack.Push((start, 0));
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (node, depth) = stack.Pop();
            var kids = children.GetValueOrDefault(node.Id);
            result.Add(StateMapper.ToTreeNode(node, kids?.Count ?? 0));
            if (kids is null || depth >= maxDepth)
            {
                continue;
            }
            for (var i = kids.Count - 1; i >= 0; i--)
            {
                stack.Push((kids[i], depth + 1));
            }
        }
        return Task.FromResult<object?>(result);
    }
}
