using Loom.Core.Tree;

namespace Loom.Core.Store;

public sealed partial class SqliteLoomStore
{
    /// <summary>The write operations of one transaction. Only valid inside <see cref="Write{T}"/>, under the store's lock.</summary>
    private sealed class Writer(SqliteLoomStore store) : IStoreWriter
    {
        private string Now() => Ids.Timestamp(DateTimeOffset.UtcNow);

        private int Exec(string sql, params (string Name, object? Value)[] parameters) =>
            store.Command(sql, parameters).ExecuteNonQuery();

        private void TouchTree(string treeId) =>
            Exec("UPDATE trees SET updated_at = $now WHERE id = $t", ("$now", Now()), ("$t", treeId));

        public void InsertTree(TreeRecord tree) => Exec("""
            INSERT INTO trees (id, current_node_id, name, show_model_names, rewind_split_tokens, model_plan_json, created_at, updated_at, metadata_json, archived)
            VALUES ($id, $cur, $name, $show, $rewind, $plan, $created, $updated, $meta, $archived)
            """,
            ("$id", tree.Id), ("$cur", tree.CurrentNodeId), ("$name", tree.Name), ("$show", tree.ShowModelNames ? 1 : 0),
            ("$rewind", tree.RewindSplitTokens ? 1 : 0), ("$plan", ModelPlanEntry.ToJson(tree.ModelPlan)),
            ("$created", tree.CreatedAt), ("$updated", tree.UpdatedAt), ("$meta", tree.Metadata.ToJson()), ("$archived", tree.Archived ? 1 : 0));

        public void InsertNode(Node node)
        {
            Exec($"""
                INSERT INTO nodes ({SqliteSchema.NodeColumns})
                VALUES ($id, $tree, $parent, $kind, $text, $ctx, $model, $strategy, $max, $temp, $co, $created, $meta)
                """,
                ("$id", node.Id), ("$tree", node.TreeId), ("$parent", node.ParentId), ("$kind", node.Kind.ToDb()), ("$text", node.Text),
                ("$ctx", node.ContextId), ("$model", node.Model), ("$strategy", node.Strategy), ("$max", node.MaxTokens),
                ("$temp", node.Temperature), ("$co", node.CheckedOut ? 1 : 0), ("$created", node.CreatedAt), ("$meta", node.Metadata.ToJson()));
            ChildrenChanges.Forget(node.ParentId);
            if (node.Kind != NodeKind.Context)
            {
                store._searchDirty.Add(node.Id);
                MarkStructureChanged(node.ParentId);
                store.ForgetOrMoveParent(node.Id, node.ParentId, deleted: false);
            }
        }

        public void UpdateNodeText(string nodeId, string text)
        {
            if (Exec("UPDATE nodes SET text = $text WHERE id = $id", ("$text", text), ("$id", nodeId)) == 0)
            {
                throw new NodeNotFoundException(nodeId);
            }
            store._searchDirty.Add(nodeId);
            ChildrenChanges.ForgetListHolding(nodeId);
        }

        public void UpdateNodeMetadata(string nodeId, NodeMetadata metadata)
        {
            if (Exec("UPDATE nodes SET metadata_json = $m WHERE id = $id", ("$m", metadata.ToJson()), ("$id", nodeId)) == 0)
            {
                throw new NodeNotFoundException(nodeId);
            }
            ChildrenChanges.ForgetListHolding(nodeId);
        }

        public void UpdateNodeParent(string nodeId, string? parentId)
        {
            var old = store.Command("SELECT parent_id FROM nodes WHERE id = $id", ("$id", nodeId)).ExecuteScalar();
            MarkStructureChanged(old as string);
            if (Exec("UPDATE nodes SET parent_id = $p, checked_out = 0 WHERE id = $id", ("$p", parentId), ("$id", nodeId)) == 0)
            {
                throw new NodeNotFoundException(nodeId);
            }
            MarkStructureChanged(parentId);
            store.ForgetOrMoveParent(nodeId, parentId, deleted: false);
            ChildrenChanges.Forget(old as string);
            ChildrenChanges.Forget(parentId);
        }

        public void SetContextId(string nodeId, string? contextId)
        {
            if (Exec("UPDATE nodes SET context_id = $c WHERE id = $id", ("$c", contextId), ("$id", nodeId)) == 0)
            {
                throw new NodeNotFoundException(nodeId);
            }
            ChildrenChanges.ForgetListHolding(nodeId);
        }

        public int DeleteSubtree(string nodeId)
        {
            var parent = store.Command("SELECT parent_id FROM nodes WHERE id = $id", ("$id", nodeId)).ExecuteScalar();
            if (parent is null)
            {
                throw new NodeNotFoundException(nodeId);
            }
            var count = (int)(long)(store.Command("""
                WITH RECURSIVE d(id) AS (SELECT $id UNION ALL SELECT n.id FROM nodes n JOIN d ON n.parent_id = d.id)
                SELECT count(*) FROM d
                """, ("$id", nodeId)).ExecuteScalar() ?? 0L);
            MarkStructureChanged(parent as string);
            Exec("""
                DELETE FROM loom_nodes_fts WHERE rowid IN (
                    WITH RECURSIVE d(id) AS (SELECT $id UNION ALL SELECT n.id FROM nodes n JOIN d ON n.parent_id = d.id)
                    SELECT n.rowid FROM d CROSS JOIN nodes n ON n.id = d.id)
                """, ("$id", nodeId));
            // Bindings or trees pointing into the subtree are repointed by the caller; the cascade removes the nodes.
            Exec("DELETE FROM nodes WHERE id = $id", ("$id", nodeId));
            store.ForgetOrMoveParent(nodeId, null, deleted: true);
            ChildrenChanges.ClearAll(); // rare; the lists under every deleted node go too
            return count;
        }

        public void SetCheckedOutChild(string parentId, string? nodeId)
        {
            Exec("UPDATE nodes SET checked_out = 0 WHERE parent_id = $p AND checked_out = 1 AND ($id IS NULL OR id != $id)", ("$p", parentId), ("$id", nodeId));
            if (nodeId is not null &&
                Exec("UPDATE nodes SET checked_out = 1 WHERE id = $id AND parent_id = $p", ("$id", nodeId), ("$p", parentId)) == 0)
            {
                throw new NodeNotFoundException(nodeId);
            }
            ChildrenChanges.SetCheckedOut(parentId, nodeId);
        }

        public void SetCurrentNode(string treeId, string nodeId)
        {
            if (Exec("UPDATE trees SET current_node_id = $n, updated_at = $now WHERE id = $t", ("$n", nodeId), ("$now", Now()), ("$t", treeId)) == 0)
            {
                throw new TreeNotFoundException(treeId);
            }
        }

        public void SetModelPlan(string treeId, IReadOnlyList<ModelPlanEntry> plan)
        {
            if (Exec("UPDATE trees SET model_plan_json = $p, updated_at = $now WHERE id = $t", ("$p", ModelPlanEntry.ToJson(plan)), ("$now", Now()), ("$t", treeId)) == 0)
            {
                throw new TreeNotFoundException(treeId);
            }
        }

        public void SetShowModelNames(string treeId, bool show)
        {
            if (Exec("UPDATE trees SET show_model_names = $s WHERE id = $t", ("$s", show ? 1 : 0), ("$t", treeId)) == 0)
            {
                throw new TreeNotFoundException(treeId);
            }
        }

        public void SetTreeName(string treeId, string? name)
        {
            if (Exec("UPDATE trees SET name = $n WHERE id = $t", ("$n", name), ("$t", treeId)) == 0)
            {
                throw new TreeNotFoundException(treeId);
            }
            TouchTree(treeId);
        }

        public void SetTreeMetadata(string treeId, NodeMetadata metadata)
        {
            if (Exec("UPDATE trees SET metadata_json = $m WHERE id = $t", ("$m", metadata.ToJson()), ("$t", treeId)) == 0)
            {
                throw new TreeNotFoundException(treeId);
            }
        }

        public void SetBinding(string uri, string treeId, string nodeId) => Exec("""
            INSERT INTO loom_document_bindings (uri, tree_id, node_id, updated_at) VALUES ($u, $t, $n, $now)
            ON CONFLICT(uri) DO UPDATE SET tree_id = excluded.tree_id, node_id = excluded.node_id, updated_at = excluded.updated_at
            """, ("$u", uri), ("$t", treeId), ("$n", nodeId), ("$now", Now()));

        public void RemoveBinding(string uri) => Exec("DELETE FROM loom_document_bindings WHERE uri = $u", ("$u", uri));

        /// <summary>What this transaction did to cached children lists; the store applies it after the commit.</summary>
        public ChildrenCache.Pending ChildrenChanges { get; } = new();

        /// <summary>Parents whose subtree sizes changed in this transaction; see <see cref="InvalidateChangedCounts"/>.</summary>
        private readonly HashSet<string> _changedParents = new(StringComparer.Ordinal);
        private bool _manyChanges;

        private void MarkStructureChanged(string? parentId)
        {
            if (parentId is null || _manyChanges)
            {
                return;
            }
            _changedParents.Add(parentId);
            if (_changedParents.Count > MaxPreciseInvalidations)
            {
                _manyChanges = true;
                _changedParents.Clear();
            }
        }

        private const int MaxPreciseInvalidations = 16;

        /// <summary>
        /// Called before commit: drops the cached counts along the lineage of each changed parent, or all of
        /// them after a bulk change (an import), so a bulk write never walks lineages once per node.
        /// </summary>
        public void InvalidateChangedCounts()
        {
            if (_manyChanges)
            {
                store._descendantCounts.Clear();
                return;
            }
            foreach (var parent in _changedParents)
            {
                store.InvalidateCountsFrom(parent);
            }
        }
    }
}
