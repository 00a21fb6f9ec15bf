// Palette commands, keybinding targets and tree-view context actions.
import * as path from 'path';
import * as vscode from 'vscode';
import type { LoomClient } from './client';
import { CUSTOM_COMMANDS, KNOWN_KEY_PROVIDERS, modelChoices, parseModelPlan, SIMPLE_COMMANDS, validatePositiveInt } from './commandTable';
import { LoomState, Method, ServerCommand, TreeSummary } from './protocol';
import { progressFraction, StreamBook } from './streams';

export interface CommandDeps {
  client: LoomClient;
  streams: StreamBook;
  refreshTree: () => void;
  /** A node of the tree view (its elements are node ids): its document and text. */
  treeNode: (id: string) => { uri: string; text: string } | undefined;
}

/** The active loom editor, or undefined after telling the user why nothing happens. */
export function activeLoomEditor(client: LoomClient, quiet = false): vscode.TextEditor | undefined {
  const ed = vscode.window.activeTextEditor;
  if (ed && client.isLoomDocument(ed.document)) return ed;
  if (!quiet) {
    void vscode.window.showInformationMessage('Loom: open a .loom file, or run "Loom: Attach to this document" first.');
  }
  return undefined;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && 'message' in e) return String((e as { message: unknown }).message);
  return String(e);
}

export function registerCommands(ctx: vscode.ExtensionContext, deps: CommandDeps): void {
  const { client } = deps;
  const reg = (id: string, fn: (...args: any[]) => unknown) =>
    ctx.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: any[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          void vscode.window.showErrorMessage(`Loom: ${errorText(e)}`);
          return undefined;
        }
      }),
    );

  const uriOf = (): string | undefined => activeLoomEditor(client)?.document.uri.toString();

  for (const [id, spec] of Object.entries(SIMPLE_COMMANDS)) {
    reg(id, async () => {
      const uri = uriOf();
      if (!uri) return;
      return client.execute(spec.server, { uri, ...(spec.args ?? {}) });
    });
  }

  reg('loom-branches.generate', async (extra?: Record<string, unknown>) => {
    const uri = uriOf();
    if (!uri) return;
    return generate(deps, uri, extra ?? {});
  });

  reg('loom-branches.attach', async () => {
    const ed = vscode.window.activeTextEditor;
    if (!ed) {
      void vscode.window.showInformationMessage('Loom: open a text file to attach it to a loom.');
      return;
    }
    const st = await client.attach(ed.document);
    deps.refreshTree();
    return st;
  });

  reg('loom-branches.navigateTo', async (nodeId?: string, uriArg?: string) => {
    const uri = uriArg ?? uriOf();
    if (!uri || typeof nodeId !== 'string') return;
    return client.execute(ServerCommand.navigateTo, { uri, nodeId });
  });

  reg('loom-branches.pickModel', async () => {
    const ed = activeLoomEditor(client);
    if (!ed) return;
    const uri = ed.document.uri.toString();
    const st = client.state(uri);
    const cfg = vscode.workspace.getConfiguration('loom');
    const choices = modelChoices(st?.model, cfg.get<string>('model'), cfg.get('providers'), st?.modelPlan);
    const other = '$(edit) Other model…';
    const pick = await vscode.window.showQuickPick([...choices, other], {
      title: 'Loom: model for this tree',
      placeHolder: `Current: ${st?.model ?? 'unknown'}`,
    });
    if (!pick) return;
    let model = pick;
    if (pick === other || pick.endsWith('/')) {
      const typed = await vscode.window.showInputBox({
        title: 'Loom: model',
        prompt: 'provider/model, for example openrouter/meta-llama/llama-3.1-405b',
        value: pick === other ? st?.model ?? '' : pick,
      });
      if (!typed) return;
      model = typed.trim();
    }
    return client.execute(ServerCommand.setModel, { uri, model });
  });

  const numberSetting = (id: string, server: string, field: string, title: string, current: (s?: LoomState) => number | undefined, max: number) =>
    reg(id, async (value?: number) => {
      const uri = uriOf();
      if (!uri) return;
      let n = value;
      if (typeof n !== 'number') {
        const typed = await vscode.window.showInputBox({
          title,
          value: String(current(client.state(uri)) ?? ''),
          validateInput: (v) => validatePositiveInt(v, max),
        });
        if (!typed) return;
        n = Number(typed.trim());
      }
      return client.execute(server, { uri, [field]: n });
    });
  numberSetting('loom-branches.setMaxTokens', ServerCommand.setMaxTokens, 'maxTokens', 'Loom: tokens per branch', (s) => s?.maxTokens, 100000);
  numberSetting('loom-branches.setBranches', ServerCommand.setBranches, 'branches', 'Loom: branches per generation', (s) => s?.nBranches, 64);

  reg('loom-branches.setContext', async () => {
    const uri = uriOf();
    if (!uri) return;
    const typed = await vscode.window.showInputBox({
      title: 'Loom: context (system prompt) of this tree',
      value: client.state(uri)?.context ?? '',
      prompt: 'Sent before the path text; never part of the buffer.',
    });
    if (typed === undefined) return;
    return client.execute(ServerCommand.setContext, { uri, context: typed });
  });

  reg('loom-branches.setModelPlan', async () => {
    const uri = uriOf();
    if (!uri) return;
    const st = client.state(uri);
    const current = st?.modelPlan?.length ? st.modelPlan : [{ model: st?.model ?? 'offline/markov', branches: st?.nBranches ?? 3, maxTokens: st?.maxTokens ?? 64, temperature: st?.temperature ?? 1, enabled: true }];
    const typed = await vscode.window.showInputBox({
      title: 'Loom: model plan of this tree (JSON)',
      prompt: 'Each entry generates its own branches: [{"model": "...", "branches": 2, "maxTokens": 64, "temperature": 1, "enabled": true}, ...]',
      value: JSON.stringify(current),
      validateInput: (v) => parseModelPlan(v).error,
    });
    if (!typed) return;
    return client.execute(ServerCommand.setModelPlan, { uri, plan: parseModelPlan(typed).plan });
  });

  const deleteNode = async (uri: string, nodeId: string, label: string) => {
    const ok = await vscode.window.showWarningMessage(`Delete the branch "${label}" and everything under it?`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    const r = await client.execute(ServerCommand.deleteNode, { uri, nodeId });
    deps.refreshTree();
    return r;
  };

  reg('loom-branches.deleteNode', async () => {
    const uri = uriOf();
    if (!uri) return;
    const st = client.state(uri) ?? (await client.refreshState(vscode.Uri.parse(uri)));
    const kids = st?.children ?? [];
    if (!kids.length) {
      void vscode.window.showInformationMessage('Loom: the current node has no branches to delete.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      kids.map((c, i) => ({ label: `${i + 1}. ${c.text.replace(/\s+/g, ' ').slice(0, 80)}`, description: c.model ?? '', id: c.id })),
      { title: 'Loom: delete which branch?' },
    );
    if (!pick) return;
    return deleteNode(uri, pick.id, pick.label);
  });

  reg('loom-branches.setApiKey', async (provArg?: string) => {
    let provider = provArg;
    if (!provider) {
      const custom = '$(edit) Another provider…';
      const pick = await vscode.window.showQuickPick([...KNOWN_KEY_PROVIDERS, ...Object.keys(vscode.workspace.getConfiguration('loom').get('providers') ?? {}), custom], {
        title: 'Loom: API key for which provider?',
      });
      if (!pick) return;
      provider = pick === custom ? (await vscode.window.showInputBox({ title: 'Provider name (as in loom.providers)' }))?.trim() : pick;
      if (!provider) return;
    }
    const key = await vscode.window.showInputBox({
      title: `Loom: API key for ${provider}`,
      password: true,
      ignoreFocusOut: true,
      prompt: 'Kept in VS Code secret storage and handed to the server in memory only.',
    });
    if (!key) return;
    await client.storeKey(provider, key.trim());
    void vscode.window.showInformationMessage(`Loom: key for ${provider} stored.`);
  });

  reg('loom-branches.import', async () => {
    const files = await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Loom: import a loom file (socketteer, Loomsidian, Exoloom, basemode-loom JSON)' });
    if (!files?.length) return;
    const r = await client.execute<{ treeId: string; uri: string }>(ServerCommand.import, { path: files[0].fsPath });
    if (r?.uri) await vscode.window.showTextDocument(vscode.Uri.parse(r.uri));
    deps.refreshTree();
    return r;
  });

  reg('loom-branches.export', async () => {
    const ed = activeLoomEditor(client);
    if (!ed) return;
    const format = await vscode.window.showQuickPick(['basemode-loom', 'socketteer', 'loomsidian', 'markdown'], { title: 'Loom: export format' });
    if (!format) return;
    const base = ed.document.uri.scheme === 'file' ? ed.document.uri.fsPath.replace(/\.[^./\\]*$/, '') : path.join(process.cwd(), 'loom');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(`${base}.${format === 'markdown' ? 'md' : 'json'}`),
      title: 'Loom: export to',
    });
    if (!target) return;
    const r = await client.execute<{ path: string }>(ServerCommand.export, { uri: ed.document.uri.toString(), format, path: target.fsPath });
    void vscode.window.showInformationMessage(`Loom: exported to ${r?.path ?? target.fsPath}`);
    return r;
  });

  reg('loom-branches.openTree', async () => {
    const trees = await client.request<TreeSummary[]>(Method.trees, {});
    if (!trees?.length) {
      void vscode.window.showInformationMessage('Loom: the database has no trees yet.');
      return;
    }
    const pick = await vscode.window.showQuickPick(
      trees.map((t) => ({
        label: t.name || t.preview?.split('\n')[0] || t.id,
        description: `${t.nodeCount ?? '?'} nodes`,
        detail: t.uris?.length ? t.uris.join(', ') : t.preview,
        tree: t,
      })),
      { title: 'Loom: open a tree', matchOnDetail: true },
    );
    if (!pick) return;
    const bound = pick.tree.uris?.[0];
    if (bound) {
      await vscode.window.showTextDocument(vscode.Uri.parse(bound));
      return;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'loom', content: '' });
    await vscode.window.showTextDocument(doc);
    return client.attach(doc, { treeId: pick.tree.id });
  });

  reg('loom-branches.refreshTree', () => deps.refreshTree());
  reg('loom-branches.restartServer', async () => {
    const ok = await client.restart();
    deps.refreshTree();
    if (ok) void vscode.window.showInformationMessage('Loom: language server restarted.');
  });

  // Tree-view context actions receive the view's element: the node id.
  type NodeArg = string | undefined;
  const resolveNode = (arg: NodeArg) => {
    const n = typeof arg === 'string' ? deps.treeNode(arg) : undefined;
    if (!n) {
      client.output.appendLine(`tree action: no node for ${JSON.stringify(arg)}`);
      return undefined;
    }
    return { uri: n.uri, node: { id: arg as string, text: n.text } };
  };
  reg('loom-branches.node.bookmark', async (arg: NodeArg) => {
    const n = resolveNode(arg);
    if (!n) return;
    const r = await client.execute(ServerCommand.toggleBookmark, { uri: n.uri, nodeId: n.node.id });
    deps.refreshTree();
    return r;
  });
  reg('loom-branches.node.hoist', async (arg: NodeArg) => {
    const n = resolveNode(arg);
    if (!n) return;
    await client.execute(ServerCommand.navigateTo, { uri: n.uri, nodeId: n.node.id });
    const r = await client.execute(ServerCommand.toggleHoist, { uri: n.uri });
    deps.refreshTree();
    return r;
  });
  reg('loom-branches.node.delete', async (arg: NodeArg) => {
    const n = resolveNode(arg);
    if (!n) return;
    return deleteNode(n.uri, n.node.id, n.node.text.replace(/\s+/g, ' ').slice(0, 60));
  });
  reg('loom-branches.node.generateHere', async (arg: NodeArg) => {
    const n = resolveNode(arg);
    if (!n) return;
    await client.execute(ServerCommand.navigateTo, { uri: n.uri, nodeId: n.node.id });
    return generate(deps, n.uri, {});
  });

  // Every contributed command must have a handler: fail loudly in development.
  const handled = new Set([...Object.keys(SIMPLE_COMMANDS), ...CUSTOM_COMMANDS]);
  const contributed: { command: string }[] = ctx.extension.packageJSON?.contributes?.commands ?? [];
  for (const c of contributed) if (!handled.has(c.command)) client.output.appendLine(`BUG: no handler for ${c.command}`);
}

/** Runs loom.generate with a cancellable progress notification that follows the token stream. */
export async function generate(deps: CommandDeps, uri: string, extra: Record<string, unknown>): Promise<unknown> {
  const { client, streams } = deps;
  const st = client.state(uri);
  const branches = Number(extra.branches ?? st?.nBranches ?? vscode.workspace.getConfiguration('loom').get('branches') ?? 3);
  const maxTokens = Number(extra.maxTokens ?? st?.maxTokens ?? vscode.workspace.getConfiguration('loom').get('maxTokens') ?? 64);
  const model = String(extra.model ?? st?.model ?? '');
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Loom: generating ${branches} × ${maxTokens} tokens${model ? ` with ${model}` : ''}`, cancellable: true },
    async (progress, token) => {
      let reported = 0;
      let genId: string | undefined;
      let outcome: string | undefined;
      const sub = client.onGeneration((ev) => {
        if (ev.uri !== uri) return;
        genId ??= ev.generationId;
        if (ev.generationId !== genId) return;
        if (ev.event !== 'token') outcome = ev.event;
        const frac = progressFraction(streams.totalTokens(ev.generationId), branches, maxTokens);
        const pct = Math.floor(frac * 100);
        if (pct > reported) {
          progress.report({ increment: pct - reported });
          reported = pct;
        }
      });
      const cancelSub = token.onCancellationRequested(() => {
        void client.execute(ServerCommand.cancel, { uri }).catch(() => undefined);
      });
      try {
        const result = await client.execute(ServerCommand.generate, { uri, ...extra });
        const ed = vscode.window.activeTextEditor;
        // Offer the new children as completion items, only after a generation that finished.
        if (ed && ed.document.uri.toString() === uri && !token.isCancellationRequested && outcome === 'complete') {
          const end = ed.document.lineAt(ed.document.lineCount - 1).range.end;
          if (ed.selection.active.isEqual(end)) void vscode.commands.executeCommand('editor.action.triggerSuggest');
        }
        return result;
      } finally {
        sub.dispose();
        cancelSub.dispose();
      }
    },
  );
}
