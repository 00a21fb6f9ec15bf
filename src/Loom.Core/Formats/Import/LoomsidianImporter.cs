using System.Text.Json.Nodes;
using Loom.Core.Formats.Json;

namespace Loom.Core.Formats.Import;

/// <summary>
/// Loomsidian (cosmicoptima/loom): the plugin's <c>data.json</c> (<c>{settings, state: {note path:
/// NoteState}}</c>, one tree per note) and a single note's export (a bare NoteState). The
/// <c>settings</c> object holds API keys and is never read.
/// </summary>
internal static class LoomsidianImporter
{
    private static readonly HashSet<string> KnownNodeKeys = new(StringComparer.Ordinal)
    {
        "text", "value", "parentId", "bookmarked", "lastVisited", "collapsed", "unread",
        "searchResultState", "children", "color", "id", "author",
    };

    /// <param name="part">A note path to import only that note, or null for every note.</param>
    public static IReadOnlyList<ImportedTree> ImportData(ImportContext ctx, JVal doc, string? part)
    {
        var top = Fields.Object(ctx, doc, "the top level (Loomsidian data.json)");
        var state = Fields.Object(ctx, top["state"], "'state' (Loomsidian data.json)");
        var notes = state.Members.Where(m => m.Value is JObj o && o.Has("nodes")).ToList();
        if (part is not null)
        {
            notes = notes.Where(m => m.Key == part).ToList();
            if (notes.Count == 0)
            {
                var known = string.Join(", ", state.Members.Select(m => $"'{m.Key}'").Take(10));
                throw ctx.Fail($"no note '{part}' in the file (notes: {(known.Length == 0 ? "none" : known)})");
            }
        }
        var empty = notes.Where(m => ((JObj)m.Value)["nodes"] is JObj { Count: 0 } or JArr { Count: 0 }).Select(m => m.Key).ToList();
        if (empty.Count > 0 && part is null)
        {
            notes = notes.Where(m => !empty.Contains(m.Key)).ToList();
            ctx.Warn($"{empty.Count} note(s) without nodes were skipped: {string.Join(", ", empty.Take(5).Select(e => $"'{e}'"))}");
        }
        if (notes.Count == 0)
        {
            throw ctx.Fail("the Loomsidian data.json holds no note with a tree");
        }
        var trees = new List<ImportedTree>();
        foreach (var (path, value) in notes)
        {
            trees.Add(ImportNote(ctx, (JObj)value, path, LoomFormat.LoomsidianData));
        }
        return trees;
    }

    public static ImportedTree ImportNote(ImportContext ctx, JVal doc, string? notePath, LoomFormat format)
    {
        var what = notePath is null ? "the top level (Loomsidian note export)" : $"note '{notePath}'";
        var note = Fields.Object(ctx, doc, what);
        var raws = new List<RawNode>();
        switch (note["nodes"])
        {
            case JObj nodes:
                foreach (var (key, value) in nodes.Members)
                {
                    raws.Add(ReadNode(ctx, key, value as JObj ?? Fields.Object(ctx, value, $"node '{key}'{In(notePath)}"), raws.Count));
                }
                break;
            case JArr list:
                // The list shape with id / value / author that Tapestry's importer also accepts.
                foreach (var item in list.Items)
                {
                    var o = Fields.Object(ctx, item, $"node #{raws.Count + 1}{In(notePath)}");
                    raws.Add(ReadNode(ctx, Fields.Id(ctx, o, "id", $"node #{raws.Count + 1}"), o, raws.Count));
                }
                break;
            default:
                throw ctx.Fail($"'nodes'{In(notePath)} should be an object of nodes but is {Fields.Describe(note["nodes"])}");
        }
        if (raws.Count == 0)
        {
            throw ctx.Fail($"{what} has no nodes");
        }
        var index = Linking.IndexById(ctx, raws);
        var roots = Linking.LinkByParentId(ctx, raws, index, DanglingParent.TreatAsRoot);
        var root = roots.Count == 1 ? roots[0] : Linking.SyntheticRoot(roots);
        if (roots.Count > 1)
        {
            ctx.Warn($"{what} has {roots.Count} root passages; they became children of a new empty root");
        }
        RawNode? current = null;
        if (note.IdLike("current") is { } cur && !index.TryGetValue(cur, out current))
        {
            ctx.Warn($"the current node '{cur}' of {what} is not in the file; the first path was selected instead");
        }
        var treeMeta = new JsonObject();
        if (note["hoisted"] is JArr { Count: > 0 } hoisted)
        {
            treeMeta["loomsidian"] = new JsonObject { ["hoisted"] = JValConvert.ToNode(hoisted) };
        }
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = format,
            Root = root,
            Current = current,
            Name = notePath is null ? BasemodeImporter.DefaultName(ctx) : StripMd(notePath),
            SourcePart = notePath,
            TreeMetadata = treeMeta,
        });
    }

    private static string In(string? notePath) => notePath is null ? string.Empty : $" in note '{notePath}'";

    private static string StripMd(string path) =>
        path.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? path[..^3] : path;

    private static RawNode ReadNode(ImportContext ctx, string? id, JObj o, int ordinal)
    {
        var describe = new Where(id, ordinal);
        var raw = new RawNode(id)
        {
            Ordinal = ordinal,
            SourceParentId = Fields.Id(ctx, o, "parentId", describe),
            Text = o.Has("text") || !o.Has("value") ? Fields.Text(ctx, o, "text", describe) : Fields.Text(ctx, o, "value", describe),
            Bookmarked = Fields.Flag(o, "bookmarked"),
            CreatedAt = Timestamps.FromEpochMs(o.Num("lastVisited")),
        };
        if (o.Str("author") is { } author && author is not ("genesis" or "N/A" or ""))
        {
            raw.Model = author;
        }
        if (o["unread"] is JBool { Value: true })
        {
            raw.Metadata["unread"] = true;
        }
        if (o.Num("lastVisited") is { } lv && double.IsFinite(lv))
        {
            raw.Metadata["last_visited"] = lv;
        }
        foreach (var (k, v) in o.Members)
        {
            if (!KnownNodeKeys.Contains(k))
            {
                raw.Metadata[k] = JValConvert.ToNode(v);
            }
        }
        return raw;
    }
}
