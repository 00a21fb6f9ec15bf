using System.Text.Json.Serialization;

namespace Loom.LanguageServer.Protocol;

public static class CompletionItemKind
{
    public const int Text = 1;
}

public sealed record CompletionItem(
    string Label,
    int Kind,
    string? Detail,
    MarkupContent? Documentation,
    TextEdit? TextEdit,
    Command? Command,
    string? SortText,
    string? FilterText);

public sealed record CompletionList(bool IsIncomplete, IReadOnlyList<CompletionItem> Items);

public sealed record CodeAction(string Title, string? Kind, Command Command);

public static class InlayHintKind
{
    public const int Type = 1;
    public const int Parameter = 2;
}

public sealed record InlayHint(
    Position Position,
    string Label,
    int? Kind = null,
    string? Tooltip = null,
    bool? PaddingLeft = null,
    bool? PaddingRight = null);

public sealed record Hover(MarkupContent Contents, Range? Range);

public static class SymbolKind
{
    public const int File = 1;
    public const int String = 15;
}

public sealed record DocumentSymbol(string Name, string? Detail, int Kind, Range Range, Range SelectionRange);

public sealed record SemanticTokens(IReadOnlyList<int> Data);

public sealed record SemanticTokensLegend(IReadOnlyList<string> TokenTypes, IReadOnlyList<string> TokenModifiers);

/// <summary>LSP 3.17 <c>WorkspaceSymbol</c>; <see cref="Location"/> may omit the range until resolved.</summary>
public sealed record WorkspaceSymbol(string Name, int Kind, string? ContainerName, Location Location, WorkspaceSymbolData? Data);

public sealed record WorkspaceSymbolData(string TreeId, string NodeId);

public sealed record WorkDoneProgressBegin(
    string Title,
    bool Cancellable,
    string? Message,
    int? Percentage)
{
    [JsonPropertyName("kind")]
    public string Kind => "begin";
}

public sealed record WorkDoneProgressReport(string? Message, int? Percentage)
{
    [JsonPropertyName("kind")]
    public string Kind => "report";
}

public sealed record WorkDoneProgressEnd(string? Message)
{
    [JsonPropertyName("kind")]
    public string Kind => "end";
}

public sealed record ProgressParams(object Token, object Value);

public sealed record WorkDoneProgressCreateParams(object Token);

public sealed record ConfigurationItem(string? Section, string? ScopeUri = null);

public sealed record ConfigurationParams(IReadOnlyList<ConfigurationItem> Items);
