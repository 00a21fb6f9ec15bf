using System.Text.Json.Nodes;
using Loom.Core.Formats.Json;
using Loom.Core.Tree;

namespace Loom.Core.Formats.Import;

/// <summary>
/// basemode-loom's export (<c>{version: 1, nodes: [...]}</c>, current shape with <c>tree_id</c> and
/// <c>kind</c>, older shape with <c>root_id</c>) and Loom's own JSON, which is the same node list plus
/// a <c>tree</c> object.
/// </summary>
internal static class BasemodeImporter
{
    public static IReadOnlyList<ImportedTree> ImportBasemode(ImportContext ctx, JVal doc)
    {
        var top = Fields.Object(ctx, doc, "the top level (basemode-loom export)");
        var nodesArr = Fields.Array(ctx, top["nodes"], "'nodes' (basemode-loom export)");
        var (all, contexts, roots) = ReadNodes(ctx, nodesArr);
        var trees = new List<ImportedTree>();
        foreach (var root in roots)
        {
            trees.Add(TreeAssembler.Assemble(ctx, new AssembleRequest
            {
                Format = LoomFormat.Basemode,
                Root = root,
                Contexts = contexts.Where(c => BelongsTo(c, root, roots.Count)).ToList(),
                Selection = Selection.FromFlags,
                Name = roots.Count > 1 ? $"{DefaultName(ctx)} ({trees.Count + 1})" : DefaultName(ctx),
                SourcePart = roots.Count > 1 ? root.SourceId : null,
            }));
        }
        _ = all;
        return trees;
    }

    public static ImportedTree ImportLoom(ImportContext ctx, JVal doc)
    {
        var top = Fields.Object(ctx, doc, "the top level (Loom JSON)");
        var version = JsonRead.AsInt(top["version"]);
        if (version is > LoomJson.Version)
        {
            ctx.Warn($"the file is Loom JSON version {version}, newer than this Loom knows ({LoomJson.Version}); reading it anyway");
        }
        var treeObj = Fields.Object(ctx, top["tree"], "'tree' (Loom JSON)");
        var nodesArr = Fields.Array(ctx, top["nodes"], "'nodes' (Loom JSON)");
        var (all, contexts, roots) = ReadNodes(ctx, nodesArr);
        if (roots.Count != 1)
        {
            throw ctx.Fail($"a Loom JSON file holds one tree, but this one has {roots.Count} root nodes");
        }
        var root = roots[0];
        var treeId = treeObj.IdLike("id");
        if (treeId is not null && treeId != root.SourceId)
        {
            ctx.Warn($"the tree id '{treeId}' differs from its root's id '{root.SourceId}'; the root's id was used");
        }
        var currentId = treeObj.IdLike("current_node_id");
        var current = currentId is null ? null : all.GetValueOrDefault(currentId);
        var meta = new JsonObject();
        if (treeObj.Obj("metadata") is { } m)
        {
            JValConvert.CopyInto(m, meta, new HashSet<string> { "import" });
        }
        var plan = new List<ModelPlanEntry>();
        if (treeObj.Arr("model_plan") is { } planArr)
        {
            foreach (var e in planArr.Items.OfType<JObj>())
            {
                if (e.Str("model") is not { Length: > 0 } model)
                {
                    continue;
                }
                plan.Add(new ModelPlanEntry(model, JsonRead.AsInt(e["n_branches"]) ?? 3, JsonRead.AsInt(e["max_tokens"]) ?? 64,
                    e.Num("temperature") ?? 1.0, e["enabled"] is not JBool { Value: false }));
            }
        }
        return TreeAssembler.Assemble(ctx, new AssembleRequest
        {
            Format = LoomFormat.Loom,
            Root = root,
            Contexts = contexts,
            Current = current,
            Selection = Selection.FromFlags,
            Name = treeObj.Str("name"),
            ModelPlan = plan,
            ShowModelNames = treeObj["show_model_names"] is not JBool { Value: false },
            RewindSplitTokens = Fields.Flag(treeObj, "rewind_split_tokens"),
            Archived = Fields.Flag(treeObj, "archived"),
            CreatedAt = Timestamps.FromIso(treeObj.Str("created_at")),
            UpdatedAt = Timestamps.FromIso(treeObj.Str("updated_at")),
            TreeMetadata = meta,
        });
    }

    internal static string DefaultName(ImportContext ctx)
    {
        var name = Path.GetFileNameWithoutExtension(ctx.File);
        return string.IsNullOrEmpty(name) ? "imported tree" : name;
    }

    private static bool BelongsTo(RawNode context, RawNode root, int rootCount) =>
        rootCount == 1 || context.SourceParentId == root.SourceId; // SourceParentId holds tree_id for contexts

    private static (Dictionary<string, RawNode> All, List<RawNode> Contexts, List<RawNode> Roots) ReadNodes(ImportContext ctx, JArr nodesArr)
    {
        var raws = new List<RawNode>(nodesArr.Count);
        var contexts = new List<RawNode>();
        var treeIds = new List<string?>(nodesArr.Count);
        for (var i = 0; i < nodesArr.Count; i++)
        {
            var o = Fields.Object(ctx, nodesArr[i], new Where(null, i));
            var id = Fields.Id(ctx, o, "id", new Where(null, i));
            var describe = new Where(id, i);
            var raw = new RawNode(id)
            {
                Ordinal = i,
                SourceParentId = Fields.Id(ctx, o, "parent_id", describe),
                Text = Fields.Text(ctx, o, "text", describe),
                SourceContextId = Fields.Id(ctx, o, "context_id", describe),
                Model = o.Str("model"),
                Strategy = o.Str("strategy"),
                MaxTokens = Fields.OptInt(o, "max_tokens"),
                Temperature = Fields.OptDouble(o, "temperature"),
                CheckedOut = Fields.Flag(o, "checked_out"),
                CreatedAt = Timestamps.FromIso(o.Str("created_at")),
            };
            var kind = o.Str("kind");
            raw.Kind = NodeKinds.Parse(kind);
            switch (o["metadata"])
            {
                case JObj meta:
                    raw.SourceMetadata = meta;
                    break;
                case null or JNull:
                    break;
                case var other:
                    ctx.Warn($"{describe}: 'metadata' is {Fields.Article(other.KindName)}, not an object; it was left out");
                    break;
            }
            if (o.Has("branch_index") && raw.SourceMetadata?.Has("branch_index") != true)
            {
                raw.Metadata["branch_index"] = JValConvert.ToNode(o["branch_index"]);
            }
            treeIds.Add(o.IdLike("tree_id") ?? o.IdLike("root_id"));
            raws.Add(raw);
        }
        var index = Linking.IndexById(ctx, raws);
        var linkable = new List<RawNode>(raws.Count);
        for (var i = 0; i < raws.Count; i++)
        {
            var raw = raws[i];
            if (raw.Kind == NodeKind.Context)
            {
                raw.SourceParentId = treeIds[i];
                contexts.Add(raw);
            }
            else
            {
                linkable.Add(raw);
            }
        }
        foreach (var raw in raws)
        {
            if (raw.SourceContextId is null)
            {
                continue;
            }
            if (index.TryGetValue(raw.SourceContextId, out var c) && c.Kind == NodeKind.Context)
            {
                raw.Context = c;
            }
            else
            {
                ctx.Warn($"{raw.Describe()} names a context '{raw.SourceContextId}' that is not a context node in the file; the link was dropped");
            }
        }
        if (linkable.Count == 0)
        {
            throw ctx.Fail("the file has no nodes");
        }
        var candidates = Linking.LinkByParentId(ctx, linkable, index, DanglingParent.Error);
        // Prefer kind == root, then the node whose id is the tree id, then file order.
        var treeIdSet = new HashSet<string>(treeIds.Where(t => t is not null)!, StringComparer.Ordinal);
        var roots = candidates
            .OrderBy(r => r.Kind == NodeKind.Root ? 0 : r.SourceId is not null && treeIdSet.Contains(r.SourceId) ? 1 : 2)
            .ThenBy(r => r.Ordinal)
            .ToList();
        if (roots.Count > 1)
        {
            ctx.Warn($"the file has {roots.Count} root nodes; each became its own tree");
        }
        foreach (var raw in linkable)
        {
            if (raw.Children.Count > 1)
            {
                raw.Children.Sort(static (a, b) =>
                {
                    var c = string.CompareOrdinal(a.CreatedAt, b.CreatedAt);
                    if (c != 0)
                    {
                        return a.CreatedAt is null ? 1 : b.CreatedAt is null ? -1 : c;
                    }
                    c = string.CompareOrdinal(a.SourceId, b.SourceId);
                    return c != 0 ? c : a.Ordinal.CompareTo(b.Ordinal);
                });
            }
        }
        return (index, contexts, roots);
    }
}
