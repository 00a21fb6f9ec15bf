using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>loom/trees</c> <c>{}</c> -> every tree, newest first, with the documents bound to it.</summary>
public sealed class LoomTreesHandler : LspHandler
{
    private readonly ServerContext _server;

    public LoomTreesHandler(ServerContext server) => _server = server;

    public override string Method => Methods.LoomTrees;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken) => Task.Run<object?>(() =>
    {
        var store = _server.Store.Store;
        return store.ListTrees()
            .Select(t => new LoomTreeSummary(t.Id, t.Name, Preview(t.Preview), t.NodeCount, t.UpdatedAt,
                store.GetBoundUris(t.Id).Union(_server.Workspace.OpenUrisOfTree(t.Id), StringComparer.Ordinal).ToList()))
            .ToList();
    }, cancellationToken);

    private static string Preview(string text) => text.Length <= 80 ? text : text[..(char.IsHighSurrogate(text[79]) ? 79 : 80)];
}
