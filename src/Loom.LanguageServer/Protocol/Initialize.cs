using System.Text.Json.Serialization;

namespace Loom.LanguageServer.Protocol;

public sealed record InitializeResult(ServerCapabilities Capabilities, ServerInfo ServerInfo);

public sealed record ServerInfo(string Name, string Version);

public static class TextDocumentSyncKind
{
    public const int Incremental = 2;
}

public sealed record TextDocumentSyncOptions(bool OpenClose, int Change, SaveOptions Save);

public sealed record SaveOptions(bool IncludeText);

public sealed record CompletionOptions(IReadOnlyList<string>? TriggerCharacters, bool ResolveProvider);

public sealed record ExecuteCommandOptions(IReadOnlyList<string> Commands);

public sealed record SemanticTokensOptions(SemanticTokensLegend Legend, bool Full, bool Range);

public sealed record WorkspaceSymbolOptions(bool ResolveProvider);

public sealed record InlayHintOptions(bool ResolveProvider);

public sealed record CodeActionOptions(IReadOnlyList<string> CodeActionKinds);

public sealed record ServerCapabilities(
    string PositionEncoding,
    TextDocumentSyncOptions TextDocumentSync,
    CompletionOptions CompletionProvider,
    bool HoverProvider,
    CodeActionOptions CodeActionProvider,
    bool DocumentSymbolProvider,
    WorkspaceSymbolOptions WorkspaceSymbolProvider,
    InlayHintOptions InlayHintProvider,
    SemanticTokensOptions SemanticTokensProvider,
    ExecuteCommandOptions ExecuteCommandProvider,
    ServerWorkspaceCapabilities Workspace)
{
    [JsonPropertyName("experimental")]
    public ExperimentalCapabilities Experimental { get; init; } = new(new LoomCapabilities(1));
}

/// <summary><c>capabilities.experimental.loom.protocolVersion</c>: bumped on breaking protocol changes.</summary>
public sealed record ExperimentalCapabilities(LoomCapabilities Loom);

public sealed record LoomCapabilities(int ProtocolVersion);

public sealed record ServerWorkspaceCapabilities(WorkspaceFoldersServerCapabilities WorkspaceFolders);

public sealed record WorkspaceFoldersServerCapabilities(bool Supported);

public static class PositionEncodingKind
{
    public const string Utf8 = "utf-8";
    public const string Utf16 = "utf-16";
    public const string Utf32 = "utf-32";
}
