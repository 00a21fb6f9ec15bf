using System.Text.Json.Serialization;

namespace Loom.LanguageServer.Protocol;

/// <summary>LSP <c>Position</c>: zero-based line and character (in the negotiated position encoding).</summary>
public sealed record Position(int Line, int Character);

/// <summary>LSP <c>Range</c>: start inclusive, end exclusive.</summary>
public sealed record Range(Position Start, Position End);

public sealed record Location(string Uri, Range? Range = null);

public sealed record TextEdit(Range Range, string NewText);

public sealed record TextDocumentIdentifier(string Uri);

public sealed record VersionedTextDocumentIdentifier(string Uri, int? Version);

public sealed record TextDocumentEdit(VersionedTextDocumentIdentifier TextDocument, IReadOnlyList<TextEdit> Edits);

/// <summary>LSP <c>WorkspaceEdit</c>; only one of the two shapes is filled, as the client supports.</summary>
public sealed record WorkspaceEdit(
    IReadOnlyDictionary<string, IReadOnlyList<TextEdit>>? Changes = null,
    IReadOnlyList<TextDocumentEdit>? DocumentChanges = null);

public sealed record ApplyWorkspaceEditParams(string Label, WorkspaceEdit Edit);

public sealed record ApplyWorkspaceEditResult(bool Applied, string? FailureReason = null);

public sealed record Command(
    string Title,
    [property: JsonPropertyName("command")] string CommandName,
    IReadOnlyList<object>? Arguments = null);

public sealed record MarkupContent(string Kind, string Value)
{
    public static MarkupContent Markdown(string value) => new("markdown", value);
}

public static class MessageType
{
    public const int Error = 1;
    public const int Warning = 2;
    public const int Info = 3;
    public const int Log = 4;
}

public sealed record LogMessageParams(int Type, string Message);

public sealed record ShowMessageParams(int Type, string Message);
