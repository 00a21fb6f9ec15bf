// Starts the Loom language server and keeps the per-document LoomState.
import * as fs from 'fs';
import * as vscode from 'vscode';
import {
  CloseAction,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  Middleware,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  Trace,
  TransportKind,
} from 'vscode-languageclient/node';
import { ALL_SERVER_COMMANDS, GenerationEvent, LoomState, Method, ServerCommand, StateChanged, stateFromResult } from './protocol';
import { findOnPath, isLaunchError, resolveServer } from './serverPath';
import { isServerGhostHint } from './ghost';

const ATTACHED_KEY = 'loom.attachedUris';

export class LoomClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly states = new Map<string, LoomState>();
  private readonly attached: Set<string>;
  private readonly fallbackCommands: vscode.Disposable[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** Set when the server cannot run: one message was shown, commands explain it again on use. */
  problem: string | undefined;
  private problemShown = false;
  private readyPromise: Promise<boolean> | undefined;
  private readonly timing = !!process.env.LOOM_VSCODE_METRICS;

  private readonly _onState = new vscode.EventEmitter<{ uri: string; state: LoomState }>();
  readonly onState = this._onState.event;
  private readonly _onGeneration = new vscode.EventEmitter<GenerationEvent>();
  readonly onGeneration = this._onGeneration.event;
  private readonly _onReady = new vscode.EventEmitter<boolean>();
  readonly onReady = this._onReady.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.OutputChannel,
  ) {
    this.attached = new Set(context.workspaceState.get<string[]>(ATTACHED_KEY, []));
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        const client = this.client;
        if (!e.affectsConfiguration('loom') || !client || !this.running) return;
        if (e.affectsConfiguration('loom.server.path') || e.affectsConfiguration('loom.database')) {
          void vscode.window
            .showInformationMessage('Loom: restart the language server to use the new server path or database.', 'Restart')
            .then((pick) => pick && this.restart());
          return;
        }
        void client.sendNotification(DidChangeConfigurationNotification.type, { settings: { loom: settingsForServer() } });
      }),
    );
  }

  isLoomDocument(doc: vscode.TextDocument | undefined): boolean {
    if (!doc) return false;
    return doc.languageId === 'loom' || this.attached.has(doc.uri.toString());
  }

  state(uri: vscode.Uri | string): LoomState | undefined {
    return this.states.get(typeof uri === 'string' ? uri : uri.toString());
  }

  get running(): boolean {
    return this.client?.state === State.Running;
  }

  /** Starts the server once; resolves true when it runs. */
  start(): Promise<boolean> {
    if (!this.readyPromise) this.readyPromise = this.doStart();
    return this.readyPromise;
  }

  async restart(): Promise<boolean> {
    await this.stop();
    this.problem = undefined;
    this.problemShown = false;
    this.readyPromise = undefined;
    return this.start();
  }

  async stop(): Promise<void> {
    for (const d of this.fallbackCommands.splice(0)) d.dispose();
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.stop(2000);
      } catch {
        /* already gone */
      }
    }
  }

  private async doStart(): Promise<boolean> {
    const cfg = vscode.workspace.getConfiguration('loom');
    const exists = (p: string) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    };
    const dotnetRoot = process.env.DOTNET_ROOT;
    const dotnet =
      findOnPath('dotnet', process.env.PATH, process.platform, exists) ??
      (dotnetRoot ? findOnPath('dotnet', dotnetRoot, process.platform, exists) : undefined);
    const launch = resolveServer({
      settingPath: cfg.get<string>('server.path'),
      envPath: process.env.LOOM_SERVER,
      extensionPath: this.context.extensionPath,
      platform: process.platform,
      arch: process.arch,
      exists,
      dotnet,
      database: cfg.get<string>('database'),
    });
    if (isLaunchError(launch)) {
      this.fail(`${launch.error} ${launch.fix}`);
      return false;
    }
    if (launch.ensureExecutable) {
      try {
        const st = fs.statSync(launch.ensureExecutable);
        if ((st.mode & 0o111) === 0) fs.chmodSync(launch.ensureExecutable, st.mode | 0o755);
      } catch {
        /* reported by the spawn below */
      }
    }
    this.output.appendLine(`Starting ${launch.command} ${launch.args.join(' ')} --stdio (${launch.source})`);
    const serverOptions: ServerOptions = {
      command: launch.command,
      args: launch.args,
      transport: TransportKind.stdio,
      options: { env: { ...process.env } },
    };
    let client: LanguageClient;
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ language: 'loom' }, { scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: settingsForServer(),
      middleware: this.middleware(),
      errorHandler: {
        error: (error, _message, count) => {
          this.output.appendLine(`Connection error: ${error?.message ?? error} (${count ?? 0})`);
          return { action: (count ?? 0) > 3 ? ErrorAction.Shutdown : ErrorAction.Continue, handled: true };
        },
        closed: () => {
          // A stop we asked for (restart, deactivate) is not a failure.
          if (this.client !== client) return { action: CloseAction.DoNotRestart, handled: true };
          this.fail(
            `The Loom language server stopped (${launch.command}). See the "Loom" output for its last words, then run "Loom: Restart Language Server".`,
          );
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
      initializationFailedHandler: (error) => {
        this.fail(`The Loom language server did not initialize: ${error instanceof Error ? error.message : String(error)}`);
        return false;
      },
    };
    client = new LanguageClient('loom', 'Loom', serverOptions, clientOptions);
    this.client = client;
    if (this.timing) {
      // Where the time of a navigation goes: server until its applyEdit, then the workbench.
      const c = client as unknown as { handleApplyWorkspaceEdit: (p: unknown) => Promise<unknown> };
      const orig = c.handleApplyWorkspaceEdit.bind(client);
      c.handleApplyWorkspaceEdit = async (p: unknown) => {
        const t = performance.now();
        const r = await orig(p);
        this.output.appendLine(`timing: applyEdit received at ${t.toFixed(1)}, applied in ${(performance.now() - t).toFixed(1)} ms`);
        return r;
      };
    }
    client.onNotification(Method.stateChanged, (p: StateChanged) => this.setState(p.uri, p.state));
    client.onNotification(Method.generation, (p: GenerationEvent) => this._onGeneration.fire(p));
    try {
      await client.start();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const spawnHint = /ENOENT|EACCES|spawn/i.test(msg)
        ? ` The executable ${launch.command} could not be run: set loom.server.path to a working loom-language-server, or install the .NET 10 runtime for the bundled one.`
        : '';
      this.fail(`The Loom language server could not start: ${msg}.${spawnHint}`);
      return false;
    }
    this.registerFallbackCommands(client);
    await this.sendStoredKeys();
    this.problem = undefined;
    this._onReady.fire(true);
    return true;
  }

  private fail(message: string): void {
    this.problem = message;
    this.output.appendLine(`ERROR: ${message}`);
    this._onReady.fire(false);
    if (this.problemShown) return;
    this.problemShown = true;
    void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((pick) => {
      if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'loom.server.path');
      if (pick === 'Show Log') this.output.show(true);
    });
  }

  /** Commands the server uses in completion items and code actions but did not advertise. */
  private registerFallbackCommands(client: LanguageClient): void {
    const advertised = new Set(client.initializeResult?.capabilities.executeCommandProvider?.commands ?? []);
    for (const cmd of ALL_SERVER_COMMANDS) {
      if (advertised.has(cmd)) continue;
      this.fallbackCommands.push(
        vscode.commands.registerCommand(cmd, (...args: unknown[]) => this.execute(cmd, (args[0] ?? {}) as Record<string, unknown>)),
      );
    }
  }

  private middleware(): Middleware {
    const isLoom = (doc: vscode.TextDocument) => this.isLoomDocument(doc);
    return {
      didOpen: (doc, next) => (isLoom(doc) ? next(doc) : Promise.resolve()),
      didChange: (ev, next) => {
        if (this.timing && isLoom(ev.document)) this.output.appendLine(`timing: didChange at ${performance.now().toFixed(1)}`);
        return isLoom(ev.document) ? next(ev) : Promise.resolve();
      },
      didClose: (doc, next) => (isLoom(doc) ? next(doc) : Promise.resolve()),
      didSave: (doc, next) => (isLoom(doc) ? next(doc) : Promise.resolve()),
      willSave: (ev, next) => (isLoom(ev.document) ? next(ev) : Promise.resolve()),
      provideCompletionItem: (doc, pos, ctx, tok, next) => (isLoom(doc) ? next(doc, pos, ctx, tok) : undefined),
      provideHover: (doc, pos, tok, next) => (isLoom(doc) ? next(doc, pos, tok) : undefined),
      provideCodeActions: (doc, range, ctx, tok, next) => (isLoom(doc) ? next(doc, range, ctx, tok) : undefined),
      provideDocumentSymbols: (doc, tok, next) => (isLoom(doc) ? next(doc, tok) : undefined),
      provideDocumentSemanticTokens: (doc, tok, next) => (isLoom(doc) ? next(doc, tok) : undefined),
      provideInlayHints: async (doc, range, tok, next) => {
        if (!isLoom(doc)) return undefined;
        const hints = await next(doc, range, tok);
        if (!hints || !vscode.workspace.getConfiguration('loom').get<boolean>('ghostText', true)) return hints;
        const st = this.state(doc.uri);
        const child = st?.children?.[st.selectedChildIdx]?.text;
        const end = doc.lineAt(doc.lineCount - 1).range.end;
        return hints.filter((h) => {
          const label = typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
          return !isServerGhostHint(label, h.position.isEqual(end), child);
        });
      },
      executeCommand: async (command, args, next) => {
        const result = await next(command, args);
        const a = args?.[0] as { uri?: string } | undefined;
        const st = stateFromResult(result);
        if (st && a?.uri) this.setState(a.uri, st);
        return result;
      },
      workspace: {
        // The server gets the same cleaned-up shape as initializationOptions.
        configuration: async (params, token, next) => {
          const answer = await next(params, token);
          if (!Array.isArray(answer)) return answer;
          return params.items.map((item, i) => (item.section === 'loom' ? settingsForServer() : answer[i]));
        },
      },
    };
  }

  private setState(uri: string, state: LoomState): void {
    this.states.set(uri, state);
    this._onState.fire({ uri, state });
  }

  private async ensureRunning(): Promise<LanguageClient> {
    const ok = await this.start();
    if (!ok || !this.client) throw new Error(this.problem ?? 'The Loom language server is not running.');
    return this.client;
  }

  /** Runs a protocol command; updates the state when it returns one. */
  async execute<T = unknown>(command: string, arg: Record<string, unknown>): Promise<T> {
    const client = await this.ensureRunning();
    const t0 = performance.now();
    const result = (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [arg] })) as T;
    if (this.timing) this.output.appendLine(`timing: ${command} sent at ${t0.toFixed(1)}, answered in ${(performance.now() - t0).toFixed(1)} ms`);
    const st = stateFromResult(result);
    if (st && typeof arg.uri === 'string') this.setState(arg.uri, st);
    return result;
  }

  async request<T>(method: string, params: unknown): Promise<T> {
    const client = await this.ensureRunning();
    return (await client.sendRequest(method, params)) as T;
  }

  async refreshState(uri: vscode.Uri): Promise<LoomState | undefined> {
    const st = await this.request<LoomState>(Method.state, { uri: uri.toString() });
    if (st && typeof st.currentNodeId === 'string') this.setState(uri.toString(), st);
    return st;
  }

  /** Makes any text document a loom: syncs it to the server and sends loom.attach. */
  async attach(doc: vscode.TextDocument, extra: Record<string, unknown> = {}): Promise<LoomState | undefined> {
    const client = await this.ensureRunning();
    const uri = doc.uri.toString();
    if (!this.isLoomDocument(doc)) {
      this.attached.add(uri);
      await this.context.workspaceState.update(ATTACHED_KEY, [...this.attached]);
      await client.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: doc.languageId, version: doc.version, text: doc.getText() },
      });
    }
    const result = await this.execute(ServerCommand.attach, { uri, ...extra });
    return stateFromResult(result);
  }

  /**
   * Sends a key with the message trace ("loom.trace.server") paused, so the key never
   * reaches the output channel or its log file.
   */
  private async sendKey(client: LanguageClient, provider: string, key: string): Promise<void> {
    const prev = (client as unknown as { _trace?: Trace })._trace ?? Trace.Off;
    if (prev !== Trace.Off) await client.setTrace(Trace.Off);
    try {
      await client.sendRequest(ExecuteCommandRequest.type, { command: ServerCommand.setApiKey, arguments: [{ provider, key }] });
    } finally {
      if (prev !== Trace.Off) await client.setTrace(prev);
    }
  }

  /** Keys saved with "Loom: Set API Key" go to the server, in memory only. */
  private async sendStoredKeys(): Promise<void> {
    const providers = this.context.globalState.get<string[]>('loom.keyProviders', []);
    for (const provider of providers) {
      const key = await this.context.secrets.get(`loom.apiKey.${provider}`);
      if (!key || !this.client) continue;
      try {
        await this.sendKey(this.client, provider, key);
      } catch (e) {
        this.output.appendLine(`Could not hand the stored key for ${provider} to the server: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  async storeKey(provider: string, key: string): Promise<void> {
    await this.context.secrets.store(`loom.apiKey.${provider}`, key);
    const providers = new Set(this.context.globalState.get<string[]>('loom.keyProviders', []));
    providers.add(provider);
    await this.context.globalState.update('loom.keyProviders', [...providers]);
    if (this.running && this.client) await this.sendKey(this.client, provider, key);
  }

  dispose(): void {
    void this.stop();
    for (const d of this.disposables) d.dispose();
    this._onState.dispose();
    this._onGeneration.dispose();
    this._onReady.dispose();
  }
}

/** The `loom` settings the server reads (keys never included). */
export function settingsForServer(): Record<string, unknown> {
  const cfg = vscode.workspace.getConfiguration('loom');
  const out: Record<string, unknown> = {};
  const model = cfg.get<string>('model');
  if (model) out.model = model;
  for (const k of ['maxTokens', 'branches', 'temperature', 'timeoutSeconds'] as const) {
    const v = cfg.get<number>(k);
    if (typeof v === 'number') out[k] = v;
  }
  // Providers decide where a key is sent: only the user's own settings, never a workspace's
  // (the server also ignores provider addresses that arrive later through workspace/configuration).
  const providers = cfg.inspect<Record<string, unknown>>('providers')?.globalValue;
  if (providers && Object.keys(providers).length) out.providers = providers;
  return out;
}
