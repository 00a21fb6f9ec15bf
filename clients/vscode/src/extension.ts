// Entry point: wires the language client, views, status bar and commands together.
import * as fs from 'fs';
import * as vscode from 'vscode';
import { LoomClient } from './client';
import { activeLoomEditor, registerCommands } from './commands';
import { GhostText } from './ghostText';
import { LoomStatusBar } from './statusBar';
import { StreamBook } from './streams';
import { StreamViewProvider } from './streamView';
import { treeSignature } from './format';
import { LoomTreeProvider } from './treeView';

let loomClient: LoomClient | undefined;

export function activate(context: vscode.ExtensionContext): { client: LoomClient } {
  const t0 = performance.now();
  const output = vscode.window.createOutputChannel('Loom');
  const client = (loomClient = new LoomClient(context, output));
  const streams = new StreamBook();
  const tree = new LoomTreeProvider(client);
  const streamView = new StreamViewProvider(streams);
  const status = new LoomStatusBar();
  const ghost = new GhostText();
  context.subscriptions.push(client, tree, streamView, status, ghost, output);
  const treeView = vscode.window.createTreeView('loom.tree', { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(treeView, vscode.window.registerTreeDataProvider('loom.generation', streamView));

  const generating = new Set<string>();
  const treeSigs = new Map<string, string>();
  const activeUri = () => activeLoomEditor(client, true)?.document.uri.toString();

  const contextKeys = new Map<string, boolean>();
  const setContext = (key: string, value: boolean) => {
    if (contextKeys.get(key) === value) return;
    contextKeys.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  const updateUiNow = () => {
    uiTimer = undefined;
    const ed = activeLoomEditor(client, true);
    const uri = ed?.document.uri.toString();
    const st = uri ? client.state(uri) : undefined;
    const isGen = !!uri && (generating.has(uri) || !!st?.generating);
    setContext('loom.active', !!ed);
    setContext('loom.generating', isGen);
    status.update(!!ed, st ? { ...st, generating: isGen } : st, client.problem);
    tree.setDocument(uri);
    streamView.setDocument(uri);
    treeView.message = st ? `${st.model ?? ''}${st.hoistedNodeId ? ' · hoisted' : ''}` : undefined;
    for (const e of vscode.window.visibleTextEditors) {
      if (client.isLoomDocument(e.document)) ghost.update(e, client.state(e.document.uri));
    }
  };
  // State often arrives just before the server's workspace/applyEdit: redraw the chrome
  // (status bar, context keys, decorations) a moment later so the edit reaches the
  // workbench first and the new text shows without waiting behind it.
  let uiTimer: NodeJS.Timeout | undefined;
  const updateUi = (now = false) => {
    if (now) {
      if (uiTimer) clearTimeout(uiTimer);
      updateUiNow();
      return;
    }
    uiTimer ??= setTimeout(updateUiNow, 15);
  };

  context.subscriptions.push(
    client.onState(({ uri, state }) => {
      if (!state.generating) generating.delete(uri);
      updateUi();
      // Redraw the tree only when something it shows changed: fewer reloads, and context
      // menus opened on a row stay valid.
      const sig = treeSignature(state);
      if (uri === tree.documentUri && treeSigs.get(uri) !== sig) tree.refresh();
      treeSigs.set(uri, sig);
    }),
    client.onGeneration((ev) => {
      streams.apply(ev);
      if (ev.event === 'token') {
        if (!generating.has(ev.uri)) {
          generating.add(ev.uri);
          updateUi();
        }
        streamView.changed(ev.uri);
      } else {
        generating.delete(ev.uri);
        streamView.changed(ev.uri, true);
        updateUi();
        if (ev.uri === tree.documentUri) tree.refresh();
        if (ev.event === 'error') void vscode.window.showErrorMessage(`Loom: generation failed — ${ev.category ? `${ev.category}: ` : ''}${ev.message ?? ''}`);
        if (ev.event === 'complete' && ev.failures?.length) {
          void vscode.window.showWarningMessage(
            `Loom: ${ev.failures.length} branch(es) failed: ${ev.failures.map((f) => `${f.branchIdx + 1}: ${f.category ?? ''} ${f.message ?? ''}`.trim()).join('; ')}`,
          );
        }
      }
    }),
    client.onReady((ok) => {
      updateUi(true);
      tree.refresh(true);
      if (!ok) return;
      for (const doc of vscode.workspace.textDocuments) {
        if (client.isLoomDocument(doc)) void client.refreshState(doc.uri).catch(() => undefined);
      }
    }),
    vscode.window.onDidChangeActiveTextEditor(() => {
      updateUi(true);
      const uri = activeUri();
      if (uri && !client.state(uri) && client.running) void client.refreshState(vscode.Uri.parse(uri)).catch(() => undefined);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (client.isLoomDocument(e.document)) updateUi();
    }),
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (client.isLoomDocument(doc)) void client.start();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('loom.ghostText')) updateUi();
    }),
  );

  registerCommands(context, { client, streams, refreshTree: () => tree.refresh(true), treeNode: (id) => tree.node(id) });
  updateUi(true);

  const activateMs = performance.now() - t0;
  // Our own cost on the extension host: evaluating the bundle + the activate() call.
  const g = globalThis as { __loomLoadStart?: number; __loomLoadEnd?: number };
  const codeLoadMs = g.__loomLoadStart !== undefined && g.__loomLoadEnd !== undefined ? g.__loomLoadEnd - g.__loomLoadStart : 0;
  const loadAndActivateMs = codeLoadMs + activateMs;
  output.appendLine(`Loom activated in ${activateMs.toFixed(1)} ms (+ ${codeLoadMs.toFixed(1)} ms loading the code)`);
  // Start the server without holding up activation.
  void client.start().then((ok) => {
    const readyMs = performance.now() - t0;
    output.appendLine(ok ? `Loom language server ready ${readyMs.toFixed(0)} ms after activation started` : 'Loom language server not running');
    const metrics = process.env.LOOM_VSCODE_METRICS;
    if (metrics) {
      try {
        fs.writeFileSync(metrics, JSON.stringify({ activateMs, codeLoadMs, loadAndActivateMs, serverReadyMs: readyMs, serverOk: ok }));
      } catch {
        /* metrics are optional */
      }
    }
  });
  return { client };
}

export async function deactivate(): Promise<void> {
  await loomClient?.stop();
}
