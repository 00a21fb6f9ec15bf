// "Loom" view container, section "Tree": the whole tree of the active loom, loaded lazily.
import * as vscode from 'vscode';
import type { LoomClient } from './client';
import { nodeLabel } from './format';
import { LoomState, Method, TreeNode } from './protocol';
import { TreeCache } from './treeModel';

export class LoomTreeProvider implements vscode.TreeDataProvider<string>, vscode.Disposable {
  private readonly cache = new TreeCache();
  private uri: string | undefined;
  private readonly _onDidChange = new vscode.EventEmitter<string | undefined | void>();
  readonly onDidChangeTreeData = this._onDidChange.event;
  private timer: NodeJS.Timeout | undefined;
  private pending = new Map<string, Promise<string[]>>();
  private generation = 0;

  constructor(private readonly client: LoomClient) {}

  /** Which document the view shows. */
  setDocument(uri: string | undefined): void {
    if (uri === this.uri) return;
    this.uri = uri;
    this.seen.clear();
    this.refresh(true);
  }

  get documentUri(): string | undefined {
    return this.uri;
  }

  private get state(): LoomState | undefined {
    return this.uri ? this.client.state(this.uri) : undefined;
  }

  /** Drops the cache and redraws, coalescing bursts (token batches, several state events). */
  refresh(now = false): void {
    const run = () => {
      this.timer = undefined;
      this.generation++;
      this.cache.clear();
      this.pending.clear();
      this._onDidChange.fire();
    };
    if (this.timer) clearTimeout(this.timer);
    if (now) run();
    else this.timer = setTimeout(run, 80);
  }

  getTreeItem(id: string): vscode.TreeItem {
    const node = this.cache.nodes.get(id);
    if (!node) return new vscode.TreeItem('…');
    const st = this.state;
    const isCurrent = st?.currentNodeId === id;
    const path = st ? new Set(this.cache.ancestry(st.currentNodeId)) : new Set<string>();
    const onPath = isCurrent || path.has(id) || !!node.checkedOut;
    const lbl = nodeLabel(node, { showModelNames: !!st?.showModelNames, onPath, isCurrent });
    const collapsible =
      node.childCount > 0
        ? onPath
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(
      onPath ? { label: lbl.label, highlights: [[0, Math.min(lbl.label.length, 400)]] } : lbl.label,
      collapsible,
    );
    // Stable ids keep context-menu targets valid across refreshes. The suffix changes when a
    // node joins or leaves the current path or gets its first child, so VS Code forgets the
    // remembered collapse state exactly then and the current path opens expanded.
    item.id = `${id}:${onPath ? 'p' : ''}${node.childCount > 0 ? 'c' : ''}`;
    item.description = lbl.description;
    item.tooltip = lbl.tooltip;
    item.contextValue = node.bookmarked ? 'loomNode.bookmarked' : 'loomNode';
    item.iconPath = isCurrent
      ? new vscode.ThemeIcon('arrow-right', new vscode.ThemeColor('charts.green'))
      : node.bookmarked
        ? new vscode.ThemeIcon('bookmark', new vscode.ThemeColor('charts.yellow'))
        : onPath
          ? new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('charts.green'))
          : new vscode.ThemeIcon('circle-outline');
    item.accessibilityInformation = {
      label: `${isCurrent ? 'current node: ' : onPath ? 'on path: ' : ''}${node.bookmarked ? 'bookmarked: ' : ''}${lbl.label}`,
    };
    if (this.uri) item.command = { command: 'loom-branches.navigateTo', title: 'Go to this node', arguments: [id, this.uri] };
    return item;
  }

  /** Nodes ever shown for the current document, kept across reloads for context-menu commands. */
  private readonly seen = new Map<string, string>();

  /** The node behind a tree element, for context-menu commands. */
  node(id: string): { uri: string; text: string } | undefined {
    const text = this.cache.nodes.get(id)?.text ?? this.seen.get(id);
    return text !== undefined && this.uri ? { uri: this.uri, text } : undefined;
  }

  getParent(id: string): string | undefined {
    return this.cache.parentOf(id);
  }

  async getChildren(id?: string): Promise<string[]> {
    const uri = this.uri;
    if (!uri || !this.client.running) return [];
    if (id === undefined) {
      if (this.cache.topIds().length) return this.cache.topIds();
      return this.load(uri, undefined);
    }
    const known = this.cache.childIds(id);
    if (known) return known;
    return this.load(uri, id);
  }

  private load(uri: string, nodeId: string | undefined): Promise<string[]> {
    const key = nodeId ?? '';
    const existing = this.pending.get(key);
    if (existing) return existing;
    const gen = this.generation;
    const p = (async () => {
      try {
        const params: Record<string, unknown> = { uri, depth: 1 };
        if (nodeId) params.nodeId = nodeId;
        const nodes = await this.client.request<TreeNode[] | { nodes: TreeNode[] }>(Method.tree, params);
        const list = Array.isArray(nodes) ? nodes : (nodes?.nodes ?? []);
        if (gen !== this.generation) return [];
        this.cache.add(list, nodeId);
        for (const n of list) this.seen.set(n.id, n.text);
        if (nodeId === undefined) return this.cache.topIds();
        return this.cache.childIds(nodeId) ?? list.filter((n) => n.parentId === nodeId).map((n) => n.id);
      } catch (e) {
        this.client.output.appendLine(`loom/tree failed: ${e instanceof Error ? e.message : String(e)}`);
        return [];
      } finally {
        this.pending.delete(key);
      }
    })();
    this.pending.set(key, p);
    return p;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this._onDidChange.dispose();
  }
}
