using Loom.LanguageServer.Commands;
using Loom.LanguageServer.Handlers;
using Loom.LanguageServer.Rpc;

namespace Loom.LanguageServer.Server;

/// <summary>Every LSP method the server answers, one handler each.</summary>
public static class HandlerSet
{
    public static IReadOnlyList<LspHandler> Create(ServerContext server, CommandRegistry commands) =>
    [
        new InitializeHandler(server, commands),
        new InitializedHandler(server),
        new ShutdownHandler(server),
        new ExitHandler(server),
        new SetTraceHandler(),
        new DidOpenHandler(server),
        new DidChangeHandler(server),
        new DidCloseHandler(server),
        new DidSaveHandler(server),
        new DidChangeConfigurationHandler(server),
        new ExecuteCommandHandler(server, commands),
        new WorkDoneProgressCancelHandler(server),
        new LoomStateHandler(server),
        new LoomTreesHandler(server),
        new LoomTreeHandler(server),
        new CompletionHandler(server),
        new CodeActionHandler(server),
        new InlayHintHandler(server),
        new HoverHandler(server),
        new DocumentSymbolHandler(server),
        new SemanticTokensHandler(server),
        new WorkspaceSymbolHandler(server),
        new WorkspaceSymbolResolveHandler(server),
    ];
}
