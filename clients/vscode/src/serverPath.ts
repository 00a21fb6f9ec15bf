// Decides how to start the language server. Pure: file-system access is injected.
import * as path from 'path';

export interface ServerLaunch {
  command: string;
  args: string[];
  /** Where the choice came from, for messages. */
  source: 'setting' | 'env' | 'bundled-self-contained' | 'bundled-framework-dependent';
  /** Files that must be made executable before spawning (zip extraction drops the bit). */
  ensureExecutable?: string;
}

export interface ServerLaunchError {
  error: string;
  fix: string;
}

export interface ResolveInput {
  settingPath?: string;
  envPath?: string;
  extensionPath: string;
  platform: string;
  arch: string;
  exists: (p: string) => boolean;
  /** Full path of `dotnet` if found on PATH/DOTNET_ROOT, else undefined. */
  dotnet?: string;
  database?: string;
}

export const SERVER_NAME = 'loom-language-server';

function exeName(platform: string): string {
  return platform === 'win32' ? `${SERVER_NAME}.exe` : SERVER_NAME;
}

function fromExplicit(p: string, source: 'setting' | 'env', input: ResolveInput): ServerLaunch | ServerLaunchError {
  const what = source === 'setting' ? 'the setting loom.server.path' : 'the environment variable LOOM_SERVER';
  if (!input.exists(p)) {
    return {
      error: `The Loom language server was not found at ${p} (from ${what}).`,
      fix: `Point ${what} at the built server (scripts/build-server.sh puts it in .artifacts/server/${SERVER_NAME}), or clear it to use the server bundled with the extension.`,
    };
  }
  if (p.toLowerCase().endsWith('.dll')) {
    if (!input.dotnet) return dotnetMissing(p);
    return { command: input.dotnet, args: [p], source };
  }
  return { command: p, args: [], source };
}

function dotnetMissing(dll: string): ServerLaunchError {
  return {
    error: `The Loom language server (${dll}) needs the .NET 10 runtime, and \`dotnet\` was not found on PATH.`,
    fix: 'Install the .NET 10 runtime (https://dot.net, or `apt-get install dotnet-runtime-10.0`), or set loom.server.path to a self-contained loom-language-server executable.',
  };
}

export function resolveServer(input: ResolveInput): ServerLaunch | ServerLaunchError {
  const setting = input.settingPath?.trim();
  if (setting) return withDb(fromExplicit(setting, 'setting', input), input);
  const env = input.envPath?.trim();
  if (env) return withDb(fromExplicit(env, 'env', input), input);

  const serverDir = path.join(input.extensionPath, 'server');
  const rid = `${input.platform === 'win32' ? 'win' : input.platform === 'darwin' ? 'osx' : input.platform}-${input.arch}`;
  const selfContained = path.join(serverDir, rid, exeName(input.platform));
  if (input.exists(selfContained)) {
    return withDb({ command: selfContained, args: [], source: 'bundled-self-contained', ensureExecutable: selfContained }, input);
  }
  const dll = path.join(serverDir, 'fdd', `${SERVER_NAME}.dll`);
  if (input.exists(dll)) {
    if (!input.dotnet) return dotnetMissing(dll);
    return withDb({ command: input.dotnet, args: [dll], source: 'bundled-framework-dependent' }, input);
  }
  return {
    error: 'This build of the Loom extension has no bundled language server.',
    fix: `Set loom.server.path to a built ${SERVER_NAME} (scripts/build-server.sh in the Loom repository builds one into .artifacts/server/), or install a vsix built with clients/vscode/scripts/install.sh.`,
  };
}

function withDb(r: ServerLaunch | ServerLaunchError, input: ResolveInput): ServerLaunch | ServerLaunchError {
  if ('error' in r) return r;
  const db = input.database?.trim();
  return db ? { ...r, args: [...r.args, '--db', db] } : r;
}

export function isLaunchError(r: ServerLaunch | ServerLaunchError): r is ServerLaunchError {
  return 'error' in r;
}

/** Finds an executable on a PATH string. */
export function findOnPath(name: string, pathEnv: string | undefined, platform: string, exists: (p: string) => boolean): string | undefined {
  if (!pathEnv) return undefined;
  const sep = platform === 'win32' ? ';' : ':';
  const names = platform === 'win32' ? [`${name}.exe`, name] : [name];
  for (const dir of pathEnv.split(sep)) {
    if (!dir) continue;
    for (const n of names) {
      const p = path.join(dir, n);
      if (exists(p)) return p;
    }
  }
  return undefined;
}
