using Loom.LanguageServer.Documents;
using Loom.LanguageServer.Protocol;

namespace Loom.LanguageServer.Tests.Harness;

/// <summary>The text an editor holds for one document, changed only by the test (typing) or by applied workspace edits.</summary>
public sealed class FakeEditorDocument
{
    public FakeEditorDocument(string uri, string text, int version)
    {
        Uri = uri;
        Text = text;
        Version = version;
    }

    public string Uri { get; }

    public string Text { get; set; }

    public int Version { get; set; }

    public Position PositionOf(int offset, PositionEncoding encoding = PositionEncoding.Utf16) =>
        LineIndex.Build(Text).GetPosition(offset, encoding);

    public Position End => PositionOf(Text.Length);

    /// <summary>Applies an LSP edit to <see cref="Text"/>; returns the offsets it replaced.</summary>
    public (int Start, int End) Apply(Protocol.Range range, string newText, PositionEncoding encoding = PositionEncoding.Utf16)
    {
        var lines = LineIndex.Build(Text);
        if (!lines.TryGetOffset(range.Start, encoding, out var start) || !lines.TryGetOffset(range.End, encoding, out var end))
        {
            throw new InvalidOperationException($"edit range outside the document: {range}");
        }
        Text = string.Concat(Text.AsSpan(0, start), newText, Text.AsSpan(end));
        return (start, end);
    }
}
