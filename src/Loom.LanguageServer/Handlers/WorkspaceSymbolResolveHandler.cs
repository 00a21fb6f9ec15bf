using System.Text.Json;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>workspaceSymbol/resolve</c>: opening a search result navigates there. When a document bound to
/// the tree is open, its session checks the node out (the buffer follows by applyEdit) and the
/// symbol gets the node's range.
/// </summary>
public sealed class WorkspaceSymbolResolveHandler : LspHandler
{
    private readonly ServerContext _server;

    public WorkspaceSymbolResolveHandler(ServerContext server) => _server = server;

    public override string Method => Methods.WorkspaceSymbolResolve;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var p = ParamReader.Root(parameters);
        var name = p.String("name");
        var kind = p.OptionalInt("kind") ?? SymbolKind.String;
        var container = p.OptionalString("containerName");
        var data = p.Object("data");
        var treeId = data.NonEmptyString("treeId");
        var nodeId = data.NonEmptyString("nodeId");
        var uri = p.Object("location").NonEmptyString("uri");
        var symbolData = new WorkspaceSymbolData(treeId, nodeId);
        if (_server.Workspace.TryGet(uri) is not { } doc)
        {
            return Task.FromResult<object?>(new WorkspaceSymbol(name, kind, container, new Location(uri), symbolData));
        }
        return doc.Queue.EnqueueMutation<object?>(async () =>
        {
            if (doc.Session is not { } session || session.TreeId != treeId || doc.IsClosed)
            {
                return new WorkspaceSymbol(name, kind, container, new Location(uri), symbolData);
            }
            if (session.Store.TryGetNode(nodeId) is not { } node || node.TreeId != treeId)
            {
                throw new InvalidParamsException("data.nodeId", $"names no node of tree '{treeId}'");
            }
            var state = session.Checkout(nodeId);
            await _server.Buffers.ShowStateAsync(doc, state, "Loom: go to search result", CancellationToken.None).ConfigureAwait(false);
            _server.Binder.SaveBinding(doc);
            _server.Notifier.Notify(doc, state);
            var index = state.Lineage.Length - 1;
            var target = doc.PendingEcho?.ExpectedText ?? doc.ClientText;
            var lines = Documents.LineIndex.Build(target);
            var range = new Protocol.Range(lines.GetPosition(Segments.Start(state, index), _server.Encoding),
                lines.GetPosition(Segments.End(state, index), _server.Encoding));
            return new WorkspaceSymbol(name, kind, container, new Location(uri, range), symbolData);
        }, cancellationToken);
    }
}
