using Loom.Core.Formats.Import;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats;

/// <summary>How to import.</summary>
public sealed record ImportOptions
{
    /// <summary>
    /// Default largest file read: 64 MiB (a 100,000-node basemode-loom export is about 45 MiB). Bigger
    /// files are refused before they are read, so a stray 100 MB file costs nothing.
    /// </summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>Force a format instead of detecting it.</summary>
    public LoomFormat? Format { get; init; }

    /// <summary>For a Loomsidian data.json: import only the note with this vault path.</summary>
    public string? Part { get; init; }

    /// <summary>Files larger than this are refused; 0 or less means no limit.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>The time used for nodes without a timestamp (tests fix it).</summary>
    public DateTimeOffset? Now { get; init; }
}

/// <summary>
/// Reads another loom's file (or Loom's own JSON) into <see cref="ImportedTree"/>s: detects the
/// format, checks the file, and reports any problem as a <see cref="LoomImportException"/> naming
/// the file. Nothing touches the store until <see cref="ImportedTree.SaveAll"/>.
/// </summary>
public static class LoomImporter
{
    public static IReadOnlyList<ImportedTree> ImportFile(string path, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        byte[] data;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new LoomImportException(path, Directory.Exists(path) ? "it is a directory, not a file" : "no such file");
            }
            if (options.MaxBytes > 0 && info.Length > options.MaxBytes)
            {
                throw new LoomImportException(path,
                    $"the file is {Megabytes(info.Length)}, larger than the import limit of {Megabytes(options.MaxBytes)} (raise the limit to import it anyway)");
            }
            data = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new LoomImportException(path, $"the file cannot be read ({e.Message})", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LoomImportException(path, "permission denied", e);
        }
        return Import(data, path, options);
    }

    /// <summary>Imports bytes; <paramref name="label"/> names them in messages and in tree metadata.</summary>
    public static IReadOnlyList<ImportedTree> Import(ReadOnlySpan<byte> data, string label, ImportOptions? options = null)
    {
        options ??= new ImportOptions();
        if (options.MaxBytes > 0 && data.Length > options.MaxBytes)
        {
            throw new LoomImportException(label, $"the data is {Megabytes(data.Length)}, larger than the import limit of {Megabytes(options.MaxBytes)}");
        }
        var ctx = new ImportContext(label, options.Now ?? DateTimeOffset.UtcNow);
        try
        {
            return ImportCore(ctx, data, options);
        }
        catch (LoomImportException)
        {
            throw;
        }
        catch (InsufficientExecutionStackException e)
        {
            throw ctx.Fail("the file is nested too deeply to read", e);
        }
        catch (OutOfMemoryException e)
        {
            throw ctx.Fail("the file is too large to import in the memory available", e);
        }
    }

    private static IReadOnlyList<ImportedTree> ImportCore(ImportContext ctx, ReadOnlySpan<byte> data, ImportOptions options)
    {
        if (FormatDetector.IsNativeTapestry(data))
        {
            throw ctx.Fail("this is a native Tapestry Loom weave (.tapestry), a binary rkyv archive that only Tapestry Loom can read; Loom cannot import it");
        }
        var forced = options.Format;
        if (forced is LoomFormat.Markdown)
        {
            throw ctx.Fail($"'{forced.Value.Name()}' is an export format; it cannot be imported");
        }
        if (forced is LoomFormat.Text)
        {
            return new[] { TextImporter.Import(ctx, data) };
        }
        if (forced == LoomFormat.TapestryLegacy || (forced is null && FormatDetector.IsTapestryLegacy(data)))
        {
            return new[] { TapestryLegacyImporter.Import(ctx, data) };
        }

        JVal doc;
        try
        {
            doc = TolerantJson.Parse(data);
        }
        catch (TolerantJsonException e)
        {
            if ((forced is null || forced == LoomFormat.Socketteer) && SocketteerImporter.LooksLikeJsonl(data))
            {
                return new[] { SocketteerImporter.ImportJsonl(ctx, data) };
            }
            throw ctx.Fail(e.Message, e);
        }

        var format = forced ?? FormatDetector.Detect(doc);
        if (format is null)
        {
            if (doc is JObj { Members.Count: > 0 } o && o.Has("id") && o.Has("text") && SocketteerImporter.LooksLikeJsonl(data))
            {
                return new[] { SocketteerImporter.ImportJsonl(ctx, data) };
            }
            var what = doc switch
            {
                JObj o2 => o2.Count == 0 ? "an empty object" : $"an object with keys {string.Join(", ", o2.Members.Take(6).Select(m => $"'{m.Key}'"))}",
                var v => Fields.Article(v.KindName),
            };
            throw ctx.Fail($"the JSON is not a loom format Loom knows (it is {what}); use --format to name one of: {string.Join(", ", LoomFormats.Importable.Select(f => f.Name()))}");
        }

        return format.Value switch
        {
            LoomFormat.Loom => new[] { BasemodeImporter.ImportLoom(ctx, doc) },
            LoomFormat.Basemode => BasemodeImporter.ImportBasemode(ctx, doc),
            LoomFormat.Socketteer => new[] { SocketteerImporter.Import(ctx, doc) },
            LoomFormat.LoomsidianData => LoomsidianImporter.ImportData(ctx, doc, options.Part),
            LoomFormat.LoomsidianNote => new[] { LoomsidianImporter.ImportNote(ctx, doc, null, LoomFormat.LoomsidianNote) },
            LoomFormat.Exoloom => new[] { ExoloomImporter.Import(ctx, doc) },
            LoomFormat.MiniLoom => new[] { MiniLoomImporter.ImportMiniLoom(ctx, doc) },
            LoomFormat.TinyLoom => new[] { MiniLoomImporter.ImportTinyLoom(ctx, doc) },
            LoomFormat.Bonsai => new[] { BonsaiImporter.Import(ctx, doc) },
            _ => throw ctx.Fail($"'{format.Value.Name()}' cannot be imported"),
        };
    }

    internal static string Megabytes(long bytes) => $"{bytes / 1024.0 / 1024.0:0.#} MiB";
}
