using Loom.Core.Session;
using Loom.Core.Store;
using Loom.Core.Tree;

namespace Loom.Core.Tests;

/// <summary>The store's children cache never shows a list that differs from the file.</summary>
public class ChildrenCacheTests
{
    [Fact]
    public void After_every_kind_of_write_cached_children_equal_what_a_fresh_store_reads()
    {
        using var t = new TempStore();
        var session = t.NewSession("Seed text.");
        var rng = new Random(20261126);
        var other = SqliteLoomStore.Open(t.Path_); // a second process's connection
        try
        {
            for (var step = 0; step < 400; step++)
            {
                var state = session.GetState();
                switch (rng.Next(9))
                {
                    case 0:
                    case 1:
                        t.AddChild(state.CurrentNodeId, " child" + step);
                        session.Reload();
                        break;
                    case 2:
                        session.NavigateChild();
                        break;
                    case 3:
                        session.NavigateParent();
                        break;
                    case 4:
                        session.SelectSibling(rng.Next(2) == 0 ? 1 : -1);
                        break;
                    case 5:
                        session.ApplyChange(state.FullText.Length, 0, rng.Next(2) == 0 ? "x" : " typed");
                        break;
                    case 6:
                        if (state.Children.Length > 0)
                        {
                            session.ToggleBookmark(state.Children[rng.Next(state.Children.Length)].Id);
                        }
                        break;
                    case 7:
                        if (state.Children.Length > 1)
                        {
                            session.DeleteSubtree(state.Children[^1].Id);
                        }
                        break;
                    default:
                    {
                        // Another connection adds a child under the current node: ours sees it on its next read.
                        var parent = other.GetNode(state.CurrentNodeId);
                        var node = new Node(Ids.NewId(), parent.TreeId, parent.Id, NodeKind.Text, " from elsewhere", null, "test/model", "completion",
                            16, 1.0, false, t.Clock.Next(), NodeMetadata.Empty);
                        other.Write(w =>
                        {
                            w.InsertNode(node);
                            return 0;
                        });
                        break;
                    }
                }
                state = session.GetState();
                using var fresh = SqliteLoomStore.Open(t.Path_);
                var ids = t.Store.GetLineage(state.CurrentNodeId).Select(n => n.Id).Append(state.CurrentNodeId).Distinct().ToList();
                foreach (var id in ids)
                {
                    Assert.Equal(fresh.GetChildren(id), t.Store.GetChildren(id));
                    Assert.Equal(fresh.GetChildren(id), other.GetChildren(id));
                }
                Assert.Equal(fresh.GetChildren(state.CurrentNodeId).Select(n => n.Id), session.Reload().Children.Select(n => n.Id));
            }
        }
        finally
        {
            other.Dispose();
        }
    }
}
