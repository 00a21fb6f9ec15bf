using Loom.Core.Tree;

namespace Loom.Core.Store;

/// <summary>
/// The write operations of one logical change, recorded instead of executed, so they can be applied to a
/// store later, retried after a fault, or (later) journaled for undo. Running a write lambda against this
/// recorder has no effect until <see cref="ApplyTo"/>.
/// </summary>
public sealed class RecordedWrite : IStoreWriter
{
    private readonly List<Action<IStoreWriter>> _operations = [];

    public int Count => _operations.Count;

    /// <summary>Applies every recorded operation, in order, to a real writer (inside one transaction).</summary>
    public void ApplyTo(IStoreWriter writer)
    {
        foreach (var op in _operations)
        {
            op(writer);
        }
    }

    public void InsertTree(TreeRecord tree) => _operations.Add(w => w.InsertTree(tree));

    public void InsertNode(Node node) => _operations.Add(w => w.InsertNode(node));

    public void UpdateNodeText(string nodeId, string text) => _operations.Add(w => w.UpdateNodeText(nodeId, text));

    public void UpdateNodeMetadata(string nodeId, NodeMetadata metadata) => _operations.Add(w => w.UpdateNodeMetadata(nodeId, metadata));

    public void UpdateNodeParent(string nodeId, string? parentId) => _operations.Add(w => w.UpdateNodeParent(nodeId, parentId));

    public void SetContextId(string nodeId, string? contextId) => _operations.Add(w => w.SetContextId(nodeId, contextId));

    /// <summary>Recorded; the count of deleted nodes is only known when applied, so this returns 0.</summary>
    public int DeleteSubtree(string nodeId)
    {
        _operations.Add(w => w.DeleteSubtree(nodeId));
        return 0;
    }

    public void SetCheckedOutChild(string parentId, string? nodeId) => _operations.Add(w => w.SetCheckedOutChild(parentId, nodeId));

    public void SetCurrentNode(string treeId, string nodeId) => _operations.Add(w => w.SetCurrentNode(treeId, nodeId));

    public void SetModelPlan(string treeId, IReadOnlyList<ModelPlanEntry> plan) => _operations.Add(w => w.SetModelPlan(treeId, plan));

    public void SetShowModelNames(string treeId, bool show) => _operations.Add(w => w.SetShowModelNames(treeId, show));

    public void SetTreeName(string treeId, string? name) => _operations.Add(w => w.SetTreeName(treeId, name));

    public void SetTreeMetadata(string treeId, NodeMetadata metadata) => _operations.Add(w => w.SetTreeMetadata(treeId, metadata));

    public void SetBinding(string uri, string treeId, string nodeId) => _operations.Add(w => w.SetBinding(uri, treeId, nodeId));

    public void RemoveBinding(string uri) => _operations.Add(w => w.RemoveBinding(uri));
}
