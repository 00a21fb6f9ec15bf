// Cache of `loom/tree` answers for the lazy tree view. Pure: no vscode import.
import type { TreeNode } from './protocol';

export class TreeCache {
  readonly nodes = new Map<string, TreeNode>();
  private children = new Map<string, string[]>();
  private roots: string[] = [];

  clear(): void {
    this.nodes.clear();
    this.children.clear();
    this.roots = [];
  }

  /**
   * Adds the nodes of one `loom/tree` answer. `requestedId` is the node asked for
   * (undefined for the top): its children become known even when it has none.
   */
  add(list: TreeNode[], requestedId?: string): void {
    const ids = new Set(list.map((n) => n.id));
    const byParent = new Map<string, string[]>();
    for (const n of list) {
      this.nodes.set(n.id, n);
      if (n.parentId != null && ids.has(n.parentId)) {
        let arr = byParent.get(n.parentId);
        if (!arr) byParent.set(n.parentId, (arr = []));
        arr.push(n.id);
      }
    }
    for (const [parent, kids] of byParent) this.children.set(parent, kids);
    // Nodes whose parent is in the answer but that have no children listed, with
    // childCount 0, are leaves: remember that too.
    for (const n of list) if (n.childCount === 0) this.children.set(n.id, []);
    if (requestedId === undefined) {
      this.roots = list.filter((n) => n.parentId == null || !ids.has(n.parentId)).map((n) => n.id);
    } else if (ids.has(requestedId) && !byParent.has(requestedId)) {
      const node = this.nodes.get(requestedId)!;
      if (node.childCount === 0) this.children.set(requestedId, []);
    } else if (!ids.has(requestedId)) {
      // The answer holds only the children of requestedId.
      this.children.set(requestedId, list.filter((n) => n.parentId === requestedId).map((n) => n.id));
    }
  }

  topIds(): string[] {
    return this.roots;
  }

  /** Known children ids, or undefined when they still need fetching. */
  childIds(id: string): string[] | undefined {
    const kids = this.children.get(id);
    const node = this.nodes.get(id);
    if (kids && node && kids.length < node.childCount) return undefined;
    return kids;
  }

  parentOf(id: string): string | undefined {
    const p = this.nodes.get(id)?.parentId;
    return p ?? undefined;
  }

  /** Ids from the node up to the top as far as the cache knows. */
  ancestry(id: string): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    let cur: string | undefined = id;
    while (cur && !seen.has(cur) && this.nodes.has(cur)) {
      out.push(cur);
      seen.add(cur);
      cur = this.parentOf(cur);
    }
    return out;
  }
}
