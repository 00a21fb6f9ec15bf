using System.Text.Json;
using Loom.Core.Store;
using Loom.LanguageServer.Sessions;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary>
/// <c>workspace/symbol</c>: full-text search over the text of every node of every tree. A hit is
/// located in a document bound to its tree (open documents first); for a tree no document is bound
/// to, the location is <c>loom:///TREE_ID/NODE_ID</c>, which clients open with <c>loom.attach</c>.
/// The range is left out unless the node is on the open document's current path:
/// <c>workspaceSymbol/resolve</c> navigates there and fills it in.
/// </summary>
public sealed class WorkspaceSymbolHandler : LspHandler
{
    public const int Limit = 200;

    private readonly ServerContext _server;

    public WorkspaceSymbolHandler(ServerContext server) => _server = server;

    public override string Method => Methods.WorkspaceSymbol;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var query = ParamReader.Root(parameters).String("query");
        return Task.Run<object?>(() => Search(query), cancellationToken);
    }

    private List<WorkspaceSymbol> Search(string query)
    {
        var result = new List<WorkspaceSymbol>();
        if (string.IsNullOrWhiteSpace(query))
        {
            return result;
        }
        var store = _server.Store.Store;
        foreach (var hit in store.Search(query, Limit))
        {
            var uri = UriFor(store, hit.TreeId) ?? $"loom:///{hit.TreeId}/{hit.NodeId}";
            var name = Snippet(hit.Text, query);
            var container = store.TryGetTree(hit.TreeId)?.Name;
            result.Add(new WorkspaceSymbol(name, SymbolKind.String, container, new Location(uri, RangeIfShown(uri, hit.NodeId)),
                new WorkspaceSymbolData(hit.TreeId, hit.NodeId)));
        }
        return result;
    }

    private string? UriFor(ILoomStore store, string treeId) =>
        _server.Workspace.OpenUrisOfTree(treeId).FirstOrDefault() ?? store.GetBoundUris(treeId).FirstOrDefault();

    private Protocol.Range? RangeIfShown(string uri, string nodeId)
    {
        if (_server.Workspace.TryGet(uri) is not { State: { } state } doc || !doc.InSync)
        {
            return null;
        }
        var index = state.Lineage.IndexOf(state.Lineage.FirstOrDefault(n => n.Id == nodeId)!);
        if (index < 0)
        {
            return null;
        }
        var lines = doc.Lines;
        return new Protocol.Range(lines.GetPosition(Segments.Start(state, index), _server.Encoding),
            lines.GetPosition(Segments.End(state, index), _server.Encoding));
    }

    /// <summary>The matching line of the text, shortened around the first match.</summary>
    public static string Snippet(string text, string query)
    {
        var at = text.IndexOf(query, StringComparison.OrdinalIgnoreCase);
        var from = Math.Max(0, (at < 0 ? 0 : at) - 30);
        var snippet = text.Substring(from, Math.Min(100, text.Length - from)).ReplaceLineEndings(" ").Trim();
        return (from > 0 ? "…" : "") + (snippet.Length == 0 ? "(empty)" : snippet);
    }
}
