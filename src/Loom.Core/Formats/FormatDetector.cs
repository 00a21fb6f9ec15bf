using Loom.Core.Formats.Json;

namespace Loom.Core.Formats;

/// <summary>Recognises a file's format from its content (design note formats.md §7).</summary>
public static class FormatDetector
{
    /// <summary>The 24 ASCII bytes a native Tapestry Loom file starts with.</summary>
    public static ReadOnlySpan<byte> TapestryMagic => "VersionedTapestryWeave__"u8;

    public static bool IsNativeTapestry(ReadOnlySpan<byte> data) => data.StartsWith(TapestryMagic);

    /// <summary>Markdown whose front matter holds <c>TapestryLoomWeave</c> or <c>TapestryLoomWeaveCompressed</c>.</summary>
    public static bool IsTapestryLegacy(ReadOnlySpan<byte> data)
    {
        var head = data[..Math.Min(data.Length, 4096)];
        if (head.StartsWith("\xEF\xBB\xBF"u8))
        {
            head = head[3..];
        }
        return head.StartsWith("---"u8) && head.IndexOf("TapestryLoomWeave"u8) >= 0;
    }

    /// <summary>The format of a parsed JSON document, or null when it matches none.</summary>
    public static LoomFormat? Detect(JVal doc)
    {
        if (doc is JArr)
        {
            return LoomFormat.Socketteer; // a bare array of nodes (rule 10)
        }
        if (doc is not JObj top)
        {
            return null;
        }
        if (top.Str("format") == LoomJson.FormatTag && top["nodes"] is JArr && top["tree"] is JObj)
        {
            return LoomFormat.Loom;
        }
        if (top.Str("loomType") == "Exoloom")
        {
            return LoomFormat.Exoloom;
        }
        if (top["loomTree"] is JObj lt && lt["nodeStore"] is JObj)
        {
            return LoomFormat.MiniLoom;
        }
        if (top["state"] is JObj state && state.Members.Any(m => m.Value is JObj o && o.Has("nodes") && o.Has("current")))
        {
            return LoomFormat.LoomsidianData;
        }
        if (top["root"] is JObj root && (root.Has("children") || root.Has("text")))
        {
            return LoomFormat.Socketteer;
        }
        switch (top["nodes"])
        {
            case JArr arr:
                var first = arr.Items.OfType<JObj>().FirstOrDefault();
                if (first is null)
                {
                    return arr.Count > 0 && top.Has("version") ? LoomFormat.Basemode : null;
                }
                if (first.Has("parent_id") || first.Has("tree_id") || first.Has("root_id"))
                {
                    return LoomFormat.Basemode;
                }
                if (arr.Items.OfType<JObj>().Take(50).Any(o => o.Has("parentIds") || o.Has("childrenIds")))
                {
                    return LoomFormat.Bonsai;
                }
                if (first.Has("parentId") && top.Has("current"))
                {
                    return LoomFormat.LoomsidianNote;
                }
                return null;
            case JObj nodes:
                var values = nodes.Members.Select(m => m.Value).OfType<JObj>().Take(50).ToList();
                if (values.Count == 0)
                {
                    return top.Has("current") ? LoomFormat.LoomsidianNote : null;
                }
                if (values.Any(v => v.Has("parentId")))
                {
                    return LoomFormat.LoomsidianNote;
                }
                if (values.Any(v => v.Has("parent") && (v.Has("patch") || v.Has("patches") || v.Has("type"))))
                {
                    return LoomFormat.TinyLoom;
                }
                return null;
        }
        if (top.Has("text") && top["children"] is JArr && !top.Has("root") && !top.Has("nodes") && !top.Has("loomTree") && !top.Has("loomType"))
        {
            return LoomFormat.Socketteer;
        }
        return null;
    }
}
