using Loom.Core.Formats.Import;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Formats;

/// <summary>
/// A tree read from a file and checked, held in memory until <see cref="SaveTo"/> writes it.
/// <see cref="Nodes"/> lists context nodes first, then the root, then every other node with parents
/// before children and siblings in order.
/// </summary>
public sealed class ImportedTree
{
    internal ImportedTree(TreeRecord tree, IReadOnlyList<Node> nodes, LoomFormat format, string sourceFile,
        string? sourcePart, IReadOnlyList<string> warnings)
    {
        Tree = tree;
        Nodes = nodes;
        Format = format;
        SourceFile = sourceFile;
        SourcePart = sourcePart;
        Warnings = warnings;
    }

    public TreeRecord Tree { get; }

    public IReadOnlyList<Node> Nodes { get; }

    public LoomFormat Format { get; }

    public string SourceFile { get; }

    /// <summary>Which part of a many-tree file this is (a Loomsidian note path), else null.</summary>
    public string? SourcePart { get; }

    /// <summary>What was repaired or left out, one sentence each.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public Node Root => Nodes.First(n => n.Kind == NodeKind.Root);

    public Node? Context => Nodes.FirstOrDefault(n => n.Kind == NodeKind.Context);

    /// <summary>Writes the tree in one transaction (see <see cref="SaveAll"/>); returns the tree as saved.</summary>
    public ImportedTree SaveTo(ILoomStore store) => SaveAll(new[] { this }, store)[0];

    /// <summary>
    /// Writes every tree in one transaction: all of them are saved or none. Ids already in the store
    /// are replaced by fresh ones (the old id is kept in the node's metadata as <c>source_id</c>).
    /// Returns the trees as saved.
    /// </summary>
    public static IReadOnlyList<ImportedTree> SaveAll(IReadOnlyList<ImportedTree> trees, ILoomStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        // Fast path: look up only each tree's root and a sample of its ids (a file imported before has
        // them all). Should an id still collide, the insert fails, the transaction rolls back, and the
        // import is retried once after checking every id.
        var ready = trees.Select(t => t.WithoutIdsIn(store, thorough: false)).ToList();
        try
        {
            Insert(ready, store);
        }
        catch (Exception e) when (e is not OutOfMemoryException && ready.Any(t => t.CollidesWith(store)))
        {
            ready = trees.Select(t => t.WithoutIdsIn(store, thorough: true)).ToList();
            Insert(ready, store);
        }
        return ready;
    }

    private static void Insert(IReadOnlyList<ImportedTree> trees, ILoomStore store) =>
        store.Write(writer =>
        {
            foreach (var t in trees)
            {
                writer.InsertTree(t.Tree);
                foreach (var node in t.Nodes)
                {
                    writer.InsertNode(node);
                }
            }
            return trees.Count;
        });

    private bool CollidesWith(ILoomStore store) =>
        store.TryGetTree(Tree.Id) is not null || Nodes.Any(n => store.TryGetNode(n.Id) is not null);

    /// <summary>This tree with ids that already exist in <paramref name="store"/> replaced (all of them when the root exists).</summary>
    internal ImportedTree WithoutIdsIn(ILoomStore store, bool thorough)
    {
        Dictionary<string, string>? renamed = null;
        if (store.TryGetNode(Tree.Id) is not null || store.TryGetTree(Tree.Id) is not null)
        {
            // The same tree was imported before: every id will collide, so skip the lookups.
            renamed = Nodes.ToDictionary(n => n.Id, _ => Ids.NewId(), StringComparer.Ordinal);
        }
        else
        {
            var step = thorough ? 1 : Math.Max(1, Nodes.Count / 64);
            for (var i = 0; i < Nodes.Count; i += step)
            {
                var node = Nodes[i];
                if (store.TryGetNode(node.Id) is not null)
                {
                    (renamed ??= new Dictionary<string, string>(StringComparer.Ordinal))[node.Id] = Ids.NewId();
                }
            }
            if (renamed is not null && !thorough)
            {
                return WithoutIdsIn(store, thorough: true);
            }
        }
        return renamed is null ? this : Renamed(renamed);
    }

    internal ImportedTree Renamed(IReadOnlyDictionary<string, string> renamed)
    {
        string Map(string id) => renamed.TryGetValue(id, out var to) ? to : id;
        string? MapOpt(string? id) => id is null ? null : Map(id);
        var nodes = new List<Node>(Nodes.Count);
        foreach (var n in Nodes)
        {
            var meta = n.Metadata;
            if (renamed.ContainsKey(n.Id) && !meta.Has("source_id"))
            {
                meta = meta.With("source_id", n.Id);
            }
            nodes.Add(n with
            {
                Id = Map(n.Id),
                TreeId = Map(n.TreeId),
                ParentId = MapOpt(n.ParentId),
                ContextId = MapOpt(n.ContextId),
                Metadata = meta,
            });
        }
        TreeAssembler.OrderSiblings(nodes);
        var tree = Tree with { Id = Map(Tree.Id), CurrentNodeId = MapOpt(Tree.CurrentNodeId) };
        return new ImportedTree(tree, nodes, Format, SourceFile, SourcePart, Warnings);
    }
}
