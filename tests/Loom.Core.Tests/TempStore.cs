using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Tests;

/// <summary>A store in a fresh temporary folder, deleted afterwards.</summary>
internal sealed class TempStore : IDisposable
{
    public TempStore()
    {
        Directory = Path.Combine(Path.GetTempPath(), "loom-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path_ = System.IO.Path.Combine(Directory, "trees.sqlite");
        Store = SqliteLoomStore.Open(Path_);
    }

    public string Directory { get; }

    public string Path_ { get; }

    public SqliteLoomStore Store { get; private set; }

    public static readonly IReadOnlyList<ModelPlanEntry> Plan = [ModelPlanEntry.Default("offline/markov")];

    public LoomSession NewSession(string rootText, string? context = null)
    {
        var root = Trees.Create(Store, rootText, Plan, context);
        return new LoomSession(Store, root.Id);
    }

    public SqliteLoomStore Reopen()
    {
        Store.Dispose();
        Store = SqliteLoomStore.Open(Path_);
        return Store;
    }

    /// <summary>Adds a child by hand (as a generation would) and returns it.</summary>
    public Node AddChild(string parentId, string text, string? model = "test/model")
    {
        var parent = Store.GetNode(parentId);
        var node = new Node(Ids.NewId(), parent.TreeId, parentId, NodeKind.Text, text, null, model, "completion", 16, 1.0, false,
            Clock.Next(), NodeMetadata.Empty.With(NodeMetadata.Source, "model"));
        Store.Write(w =>
        {
            w.InsertNode(node);
            return 0;
        });
        return node;
    }

    public MonotonicClock Clock { get; } = new();

    public void Dispose()
    {
        Store.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
