using System.Text.Json;
using Loom.LanguageServer.Protocol;
using Loom.LanguageServer.Rpc;
using Loom.LanguageServer.Server;

namespace Loom.LanguageServer.Handlers;

/// <summary><c>textDocument/didOpen</c>: tracks every document; binds those with language id <c>loom</c> to a tree.</summary>
public sealed class DidOpenHandler : LspHandler
{
    private readonly ServerContext _server;

    public DidOpenHandler(ServerContext server) => _server = server;

    public override string Method => Methods.DidOpen;

    public override bool IsNotification => true;

    public override Task<object?> HandleAsync(JsonElement parameters, CancellationToken cancellationToken)
    {
        var td = ParamReader.Root(parameters).Object("textDocument");
        var uri = td.NonEmptyString("uri");
        var languageId = td.OptionalString("languageId") ?? "";
        var version = td.OptionalInt("version") ?? 0;
        var text = td.TextRepairingLoneSurrogates("text");
        var doc = _server.Workspace.Open(uri, languageId, text.Text, version);
        var isLoom = languageId == "loom" || uri.EndsWith(".loom", StringComparison.OrdinalIgnoreCase);
        if (!isLoom)
        {
            return Task.FromResult<object?>(null);
        }
        return doc.Queue.EnqueueMutation<object?>(async () =>
        {
            if (text.WasRepaired)
            {
                await _server.Buffers.RewriteRepairedAsync(doc, text.Replaced[0], text.Replaced[^1] + 1, CancellationToken.None).ConfigureAwait(false);
            }
            await _server.Binder.BindAsync(doc, CancellationToken.None).ConfigureAwait(false);
            return null;
        }, CancellationToken.None);
    }
}
