using Loom.Core.Session;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.deleteNode</c> <c>{nodeId}</c>: deletes a subtree (Core refuses the root and moves off a deleted current path).</summary>
public sealed class DeleteNodeCommand : SessionCommand<string>
{
    public override string Name => "loom.deleteNode";

    protected override string ParseArgs(ParamReader args) => args.NonEmptyString("nodeId");

    protected override SessionState Apply(LoomSession session, string nodeId)
    {
        var node = session.Store.TryGetNode(nodeId) ?? throw new InvalidParamsException("nodeId", $"names no node ('{nodeId}')");
        if (node.TreeId != session.TreeId)
        {
            throw new InvalidParamsException("nodeId", $"names a node of another tree ('{nodeId}')");
        }
        return session.DeleteSubtree(nodeId);
    }
}
