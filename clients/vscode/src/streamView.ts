// "Loom" view container, section "Generation": every branch of the running generation, live.
import * as vscode from 'vscode';
import { preview } from './format';
import { BranchStream, GenerationView, StreamBook } from './streams';

type Item = { kind: 'branch'; branch: BranchStream; gen: GenerationView } | { kind: 'summary'; gen: GenerationView };

export class StreamViewProvider implements vscode.TreeDataProvider<Item>, vscode.Disposable {
  private uri: string | undefined;
  private readonly _onDidChange = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this._onDidChange.event;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly book: StreamBook) {}

  setDocument(uri: string | undefined): void {
    if (uri === this.uri) return;
    this.uri = uri;
    this._onDidChange.fire();
  }

  /** Redraws at most every 50 ms while tokens stream; at once when `now`. */
  changed(uri: string, now = false): void {
    if (uri !== this.uri) return;
    if (now) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this._onDidChange.fire();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this._onDidChange.fire();
    }, 50);
  }

  getChildren(el?: Item): Item[] {
    if (el || !this.uri) return [];
    const gen = this.book.latest(this.uri);
    if (!gen) return [];
    const items: Item[] = gen.branches.map((b) => ({ kind: 'branch' as const, branch: b, gen }));
    if (gen.finished) items.push({ kind: 'summary', gen });
    return items;
  }

  getTreeItem(el: Item): vscode.TreeItem {
    if (el.kind === 'summary') {
      const g = el.gen;
      const secs = g.finishedAt !== undefined ? ((g.finishedAt - g.startedAt) / 1000).toFixed(1) : '?';
      const label = g.outcome === 'complete' ? `done in ${secs} s` : g.outcome === 'cancelled' ? `cancelled after ${secs} s` : `failed: ${g.message ?? ''}`;
      const item = new vscode.TreeItem(label);
      item.iconPath = new vscode.ThemeIcon(g.outcome === 'complete' ? 'check' : g.outcome === 'cancelled' ? 'circle-slash' : 'error');
      return item;
    }
    const b = el.branch;
    const icon = b.status === 'streaming' ? 'sync~spin' : b.status === 'done' ? 'pass' : b.status === 'cancelled' ? 'circle-slash' : 'error';
    const item = new vscode.TreeItem(`${b.index + 1}. ${preview(b.text || '…', 120)}`);
    item.description = `${b.tokens} tok${b.status === 'streaming' ? '' : ` · ${b.status}`}${b.message ? ` · ${b.message}` : ''}`;
    item.tooltip = b.text;
    item.iconPath = new vscode.ThemeIcon(icon);
    item.accessibilityInformation = { label: `branch ${b.index + 1} ${b.status}: ${preview(b.text, 120)}` };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this._onDidChange.dispose();
  }
}
