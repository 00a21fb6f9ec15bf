namespace Loom.Core.Formats;

/// <summary>Every file shape Loom reads or writes.</summary>
public enum LoomFormat
{
    /// <summary>Loom's own lossless JSON.</summary>
    Loom,
    /// <summary>basemode-loom's <c>{version: 1, nodes: [...]}</c> export (current and older shapes).</summary>
    Basemode,
    /// <summary>socketteer/loom JSON: full save, subtree export, simple tree, bare array, JSONL.</summary>
    Socketteer,
    /// <summary>Loomsidian's plugin <c>data.json</c> (one tree per note).</summary>
    LoomsidianData,
    /// <summary>A Loomsidian per-note export (one <c>NoteState</c>).</summary>
    LoomsidianNote,
    Exoloom,
    /// <summary>MiniLoom (JD-P/minihf <c>loom/</c> and JD-P/miniloom): diff-match-patch patches.</summary>
    MiniLoom,
    /// <summary>Bonsai's node list (as basemode-loom parses it) and tel-0s/damask's richer shape.</summary>
    Bonsai,
    /// <summary>"tinyloom" as basemode-loom parses it.</summary>
    TinyLoom,
    /// <summary>The legacy Tapestry Loom Obsidian plugin (front matter in a Markdown note).</summary>
    TapestryLegacy,
    /// <summary>Export only: the current path as Markdown.</summary>
    Markdown,
    /// <summary>The text of a path. Imported (only when named) as a new tree whose root holds the whole file.</summary>
    Text,
}

public static class LoomFormats
{
    /// <summary>The name used on the command line and in tree metadata.</summary>
    public static string Name(this LoomFormat format) => format switch
    {
        LoomFormat.Loom => "loom",
        LoomFormat.Basemode => "basemode",
        LoomFormat.Socketteer => "socketteer",
        LoomFormat.LoomsidianData => "loomsidian",
        LoomFormat.LoomsidianNote => "loomsidian-note",
        LoomFormat.Exoloom => "exoloom",
        LoomFormat.MiniLoom => "miniloom",
        LoomFormat.Bonsai => "bonsai",
        LoomFormat.TinyLoom => "tinyloom",
        LoomFormat.TapestryLegacy => "tapestry-legacy",
        LoomFormat.Markdown => "markdown",
        LoomFormat.Text => "text",
        _ => format.ToString().ToLowerInvariant(),
    };

    public static IReadOnlyList<LoomFormat> Importable { get; } = new[]
    {
        LoomFormat.Loom, LoomFormat.Basemode, LoomFormat.Socketteer, LoomFormat.LoomsidianData,
        LoomFormat.LoomsidianNote, LoomFormat.Exoloom, LoomFormat.MiniLoom, LoomFormat.Bonsai,
        LoomFormat.TinyLoom, LoomFormat.TapestryLegacy, LoomFormat.Text,
    };

    public static IReadOnlyList<LoomFormat> Exportable { get; } = new[]
    {
        LoomFormat.Loom, LoomFormat.Basemode, LoomFormat.Socketteer, LoomFormat.Markdown, LoomFormat.Text,
    };

    /// <summary>Parses a format name (also a few aliases); null when unknown.</summary>
    public static LoomFormat? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "loom" or "loom-json" => LoomFormat.Loom,
        "basemode" or "basemode-loom" => LoomFormat.Basemode,
        "socketteer" or "pyloom" or "socketteer-loom" or "jsonl" => LoomFormat.Socketteer,
        "loomsidian" or "loomsidian-data" or "data.json" => LoomFormat.LoomsidianData,
        "loomsidian-note" => LoomFormat.LoomsidianNote,
        "exoloom" => LoomFormat.Exoloom,
        "miniloom" or "minihf" => LoomFormat.MiniLoom,
        "bonsai" or "damask" => LoomFormat.Bonsai,
        "tinyloom" => LoomFormat.TinyLoom,
        "tapestry" or "tapestry-legacy" => LoomFormat.TapestryLegacy,
        "markdown" or "md" => LoomFormat.Markdown,
        "text" or "txt" or "plain" => LoomFormat.Text,
        _ => null,
    };
}
