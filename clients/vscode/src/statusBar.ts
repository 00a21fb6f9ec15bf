// Status bar item: model, branch count, generation state; click picks the model.
import * as vscode from 'vscode';
import { statusText } from './format';
import type { LoomState } from './protocol';

export class LoomStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('loom.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Loom';
    this.item.command = 'loom-branches.pickModel';
  }

  update(visible: boolean, state: LoomState | undefined, problem: string | undefined): void {
    if (!visible) {
      this.item.hide();
      return;
    }
    const s = statusText(state, problem);
    this.item.text = s.text;
    this.item.tooltip = s.tooltip;
    this.item.command = problem ? 'loom-branches.restartServer' : 'loom-branches.pickModel';
    this.item.backgroundColor = problem ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
