namespace Loom.LanguageServer.Protocol;

/// <summary>Every method name the server receives or sends, in one place.</summary>
public static class Methods
{
    public const string Initialize = "initialize";
    public const string Initialized = "initialized";
    public const string Shutdown = "shutdown";
    public const string Exit = "exit";
    public const string SetTrace = "$/setTrace";

    public const string DidOpen = "textDocument/didOpen";
    public const string DidChange = "textDocument/didChange";
    public const string DidClose = "textDocument/didClose";
    public const string DidSave = "textDocument/didSave";
    public const string Completion = "textDocument/completion";
    public const string CodeAction = "textDocument/codeAction";
    public const string InlayHint = "textDocument/inlayHint";
    public const string Hover = "textDocument/hover";
    public const string DocumentSymbol = "textDocument/documentSymbol";
    public const string SemanticTokensFull = "textDocument/semanticTokens/full";

    public const string ExecuteCommand = "workspace/executeCommand";
    public const string DidChangeConfiguration = "workspace/didChangeConfiguration";
    public const string WorkspaceSymbol = "workspace/symbol";
    public const string WorkspaceSymbolResolve = "workspaceSymbol/resolve";
    public const string WorkDoneProgressCancel = "window/workDoneProgress/cancel";

    public const string LoomState = "loom/state";
    public const string LoomTrees = "loom/trees";
    public const string LoomTree = "loom/tree";

    // server -> client
    public const string ApplyEdit = "workspace/applyEdit";
    public const string Configuration = "workspace/configuration";
    public const string LogMessage = "window/logMessage";
    public const string ShowMessage = "window/showMessage";
    public const string WorkDoneProgressCreate = "window/workDoneProgress/create";
    public const string Progress = "$/progress";
    public const string LoomGeneration = "loom/generation";
    public const string LoomStateChanged = "loom/stateChanged";
    public const string InlayHintRefresh = "workspace/inlayHint/refresh";
    public const string SemanticTokensRefresh = "workspace/semanticTokens/refresh";
}
