// Palette commands that map one to one onto a server command. Pure: no vscode import.
import { ServerCommand } from './protocol';

export interface SimpleCommand {
  server: string;
  args?: Record<string, unknown>;
}

export const SIMPLE_COMMANDS: Record<string, SimpleCommand> = {
  'loom-branches.cancel': { server: ServerCommand.cancel },
  'loom-branches.navigateChild': { server: ServerCommand.navigateChild },
  'loom-branches.navigateParent': { server: ServerCommand.navigateParent },
  'loom-branches.nextSibling': { server: ServerCommand.selectSibling, args: { delta: 1 } },
  'loom-branches.previousSibling': { server: ServerCommand.selectSibling, args: { delta: -1 } },
  'loom-branches.toggleBookmark': { server: ServerCommand.toggleBookmark },
  'loom-branches.nextBookmark': { server: ServerCommand.nextBookmark },
  'loom-branches.toggleTreeView': { server: ServerCommand.toggleTreeView },
  'loom-branches.toggleModelNames': { server: ServerCommand.toggleModelNames },
  'loom-branches.toggleHoist': { server: ServerCommand.toggleHoist },
  'loom-branches.save': { server: ServerCommand.save },
};

/** Commands with their own handler (input boxes, pickers, progress). */
export const CUSTOM_COMMANDS = [
  'loom-branches.attach',
  'loom-branches.generate',
  'loom-branches.navigateTo',
  'loom-branches.pickModel',
  'loom-branches.setMaxTokens',
  'loom-branches.setBranches',
  'loom-branches.setContext',
  'loom-branches.setModelPlan',
  'loom-branches.deleteNode',
  'loom-branches.setApiKey',
  'loom-branches.import',
  'loom-branches.export',
  'loom-branches.openTree',
  'loom-branches.refreshTree',
  'loom-branches.restartServer',
  'loom-branches.node.bookmark',
  'loom-branches.node.hoist',
  'loom-branches.node.delete',
  'loom-branches.node.generateHere',
] as const;

/** Parses a positive integer typed into an input box; returns an error text or undefined. */
export function validatePositiveInt(value: string, max = 100000): string | undefined {
  const t = value.trim();
  if (!/^\d+$/.test(t)) return 'Enter a whole number.';
  const n = Number(t);
  if (n < 1 || n > max) return `Enter a number from 1 to ${max}.`;
  return undefined;
}

/** Models to offer in the picker: current, configured, provider names, offline ones; no duplicates. */
export function modelChoices(current: string | undefined, configured: string | undefined, providers: Record<string, unknown> | undefined, plan: { model: string }[] = []): string[] {
  const out: string[] = [];
  const add = (m: string | undefined) => {
    if (m && !out.includes(m)) out.push(m);
  };
  add(current);
  add(configured);
  for (const p of plan) add(p.model);
  for (const name of Object.keys(providers ?? {})) add(`${name}/`);
  add('offline/markov');
  add('offline/markov-slow');
  return out;
}

export const KNOWN_KEY_PROVIDERS = ['openai', 'openrouter', 'anthropic', 'together', 'fireworks', 'deepseek', 'groq', 'mistral'];

/** Parses the model plan typed as JSON; returns the plan or an error text. */
export function parseModelPlan(text: string): { plan?: { model: string; branches?: number; maxTokens?: number; temperature?: number; enabled?: boolean }[]; error?: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `Not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!Array.isArray(v) || v.length === 0) return { error: 'Enter a JSON array with at least one entry.' };
  for (const [i, e] of v.entries()) {
    if (!e || typeof e !== 'object' || typeof (e as { model?: unknown }).model !== 'string' || !(e as { model: string }).model) {
      return { error: `Entry ${i + 1} needs a "model" string.` };
    }
    for (const k of ['branches', 'maxTokens'] as const) {
      const n = (e as Record<string, unknown>)[k];
      if (n !== undefined && !(Number.isInteger(n) && (n as number) > 0)) return { error: `Entry ${i + 1}: ${k} must be a positive whole number.` };
    }
  }
  return { plan: v };
}
