using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Commands;

/// <summary><c>loom.toggleBookmark</c> <c>{nodeId?}</c>: returns <c>{bookmarked, state}</c>.</summary>
public sealed class ToggleBookmarkCommand : LoomCommand<string?>
{
    public override string Name => "loom.toggleBookmark";

    public override CommandScope Scope => CommandScope.Mutation;

    protected override string? ParseArgs(ParamReader args) => args.OptionalString("nodeId");

    protected override async Task<object?> ExecuteAsync(CommandContext context, string? nodeId, CancellationToken cancellationToken)
    {
        var doc = context.Doc;
        var session = doc.RequireSession();
        if (nodeId is not null && (session.Store.TryGetNode(nodeId) is not { } node || node.TreeId != session.TreeId))
        {
            throw new InvalidParamsException("nodeId", $"names no node of this tree ('{nodeId}')");
        }
        var bookmarked = session.ToggleBookmark(nodeId);
        var state = session.GetState();
        await context.Server.Buffers.ShowStateAsync(doc, state, "Loom: bookmark", CancellationToken.None).ConfigureAwait(false);
        context.Server.Notifier.Notify(doc, state);
        context.Server.Notifier.NotifyPeers(doc);
        return new ToggleBookmarkResult(bookmarked, StateMapper.ToProtocol(doc.Uri, state));
    }
}
