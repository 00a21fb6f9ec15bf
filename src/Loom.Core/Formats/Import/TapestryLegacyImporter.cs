namespace Loom.Core.Formats.Import;

/// <summary>The legacy Tapestry Loom Obsidian plugin: a weave in a Markdown note's front matter.</summary>
internal static class TapestryLegacyImporter
{
    public static ImportedTree Import(ImportContext ctx, ReadOnlySpan<byte> data)
    {
        _ = data;
        throw ctx.Fail("legacy Tapestry Loom notes (front matter 'TapestryLoomWeave') are recognised but not yet imported");
    }
}
