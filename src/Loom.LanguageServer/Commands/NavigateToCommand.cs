using Loom.Core.Session;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.navigateTo</c> <c>{nodeId}</c>: checks out any node of the document's tree.</summary>
public sealed class NavigateToCommand : SessionCommand<string>
{
    public override string Name => "loom.navigateTo";

    protected override string ParseArgs(ParamReader args) => args.NonEmptyString("nodeId");

    protected override SessionState Apply(LoomSession session, string nodeId)
    {
        var node = session.Store.TryGetNode(nodeId) ?? throw new InvalidParamsException("nodeId", $"names no node ('{nodeId}')");
        if (node.TreeId != session.TreeId)
        {
            throw new InvalidParamsException("nodeId", $"names a node of another tree ('{nodeId}' is in tree '{node.TreeId}')");
        }
        return session.Checkout(nodeId);
    }
}
