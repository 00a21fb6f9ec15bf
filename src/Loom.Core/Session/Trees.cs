using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Session;

/// <summary>Creating trees in a store.</summary>
public static class Trees
{
    /// <summary>Creates a tree whose root holds <paramref name="rootText"/>; returns the root node (its id is the tree id).</summary>
    public static Node Create(ILoomStore store, string rootText, IReadOnlyList<ModelPlanEntry> plan, string? context = null, string? name = null) =>
        Create(store, rootText, plan, context, name, NodeMetadata.Empty, new MonotonicClock());

    internal static Node Create(
        ILoomStore store, string rootText, IReadOnlyList<ModelPlanEntry> plan, string? context, string? name,
        NodeMetadata treeMetadata, MonotonicClock clock, bool showModelNames = true)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(rootText);
        foreach (var entry in plan)
        {
            entry.Validated();
        }
        return store.Write(w => CreateIn(w, rootText, plan, context, name, treeMetadata, clock, showModelNames));
    }

    /// <summary>Creates a tree inside an open write transaction.</summary>
    internal static Node CreateIn(
        IStoreWriter w, string rootText, IReadOnlyList<ModelPlanEntry> plan, string? context, string? name,
        NodeMetadata treeMetadata, MonotonicClock clock, bool showModelNames)
    {
        var id = Ids.NewId();
        var now = clock.Next();
        string? contextId = null;
        w.InsertTree(new TreeRecord(id, id, name, showModelNames, false, plan, now, now, treeMetadata, false));
        var root = new Node(id, id, null, NodeKind.Root, rootText, null, null, null, null, null, false, now, NodeMetadata.Empty.With(NodeMetadata.Source, "human"));
        w.InsertNode(root);
        if (!string.IsNullOrEmpty(context))
        {
            contextId = Ids.NewId();
            w.InsertNode(new Node(contextId, id, null, NodeKind.Context, context, null, null, null, null, null, false, clock.Next(), NodeMetadata.Empty));
            w.SetContextId(id, contextId);
            root = root with { ContextId = contextId };
        }
        return root;
    }
}
