using System.Text;

namespace Loom.Core.Formats.Import;

/// <summary>A plain text file (only when named with <c>--format text</c>): a new tree whose root holds the whole text.</summary>
internal static class TextImporter
{
    public static ImportedTree Import(ImportContext ctx, ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("\xEF\xBB\xBF"u8))
        {
            data = data[3..];
        }
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data);
        }
        catch (DecoderFallbackException e)
        {
            throw ctx.Fail($"the file is not UTF-8 text (invalid byte at offset {e.Index})", e);
        }
        if (text.IndexOf('\0') >= 0)
        {
            throw ctx.Fail("the file holds NUL characters; it looks binary, not text");
        }
        var root = new RawNode(null) { Text = text };
        root.Metadata["source"] = "human";
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = LoomFormat.Text,
            Root = root,
            Current = root,
            Name = BasemodeImporter.DefaultName(ctx),
        });
    }
}
