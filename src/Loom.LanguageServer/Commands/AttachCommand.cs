using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary>
/// <c>loom.attach</c> <c>{treeId?, nodeId?}</c>: makes any open document a loom. Without ids the
/// binding rules apply; with them the document opens that tree at <c>nodeId</c> (else the tree's
/// current node) and its buffer is replaced by the path text.
/// </summary>
public sealed class AttachCommand : LoomCommand<(string? TreeId, string? NodeId)>
{
    public override string Name => "loom.attach";

    public override CommandScope Scope => CommandScope.Mutation;

    protected override (string? TreeId, string? NodeId) ParseArgs(ParamReader args) =>
        (args.OptionalString("treeId"), args.OptionalString("nodeId"));

    protected override async Task<object?> ExecuteAsync(CommandContext context, (string? TreeId, string? NodeId) args, CancellationToken cancellationToken)
    {
        var server = context.Server;
        var doc = context.Doc;
        var store = server.Store.Store;
        if (args.TreeId is null && args.NodeId is null)
        {
            if (doc.Session is null)
            {
                await server.Binder.BindAsync(doc, CancellationToken.None).ConfigureAwait(false);
            }
            return StateMapper.ToProtocol(doc.Uri, doc.State!);
        }
        string nodeId;
        if (args.NodeId is { } n)
        {
            var node = store.TryGetNode(n) ?? throw new InvalidParamsException("nodeId", $"names no node ('{n}')");
            if (args.TreeId is { } t && node.TreeId != t)
            {
                throw new InvalidParamsException("nodeId", $"is not a node of tree '{t}'");
            }
            nodeId = node.Id;
        }
        else
        {
            var tree = store.TryGetTree(args.TreeId!) ?? throw new InvalidParamsException("treeId", $"names no tree ('{args.TreeId}')");
            nodeId = tree.CurrentNodeId is { } current && store.TryGetNode(current) is not null ? current : tree.Id;
        }
        await server.Binder.AttachAsync(doc, nodeId, replaceBuffer: true, CancellationToken.None).ConfigureAwait(false);
        return StateMapper.ToProtocol(doc.Uri, doc.State!);
    }
}
