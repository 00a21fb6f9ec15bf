// The selected child as ghost text after the last character of a loom buffer.
import * as vscode from 'vscode';
import { ghostLabel } from './ghost';
import type { LoomState } from './protocol';

export class GhostText implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorGhostText.foreground'), fontStyle: 'italic', margin: '0 0 0 0' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });

  update(editor: vscode.TextEditor, state: LoomState | undefined): void {
    const enabled = vscode.workspace.getConfiguration('loom').get<boolean>('ghostText', true);
    const child = state?.children?.[state.selectedChildIdx];
    const text = enabled && child && !state?.generating ? ghostLabel(child.text) : '';
    if (!text) {
      editor.setDecorations(this.type, []);
      return;
    }
    const doc = editor.document;
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    editor.setDecorations(this.type, [
      {
        range: new vscode.Range(end, end),
        renderOptions: { after: { contentText: text } },
        hoverMessage: new vscode.MarkdownString(
          `**Selected branch ${state!.selectedChildIdx + 1}/${state!.children.length}**${child!.model ? ` · ${child!.model}` : ''} — alt+right to accept, alt+up/down for siblings`,
        ),
      },
    ]);
  }

  clear(editor: vscode.TextEditor): void {
    editor.setDecorations(this.type, []);
  }

  dispose(): void {
    this.type.dispose();
  }
}
