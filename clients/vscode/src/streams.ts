// Accumulates `loom/generation` token events per branch. Pure: no vscode import.
import type { GenerationEvent } from './protocol';

export type BranchStatus = 'streaming' | 'done' | 'failed' | 'cancelled';

export interface BranchStream {
  index: number;
  text: string;
  tokens: number;
  status: BranchStatus;
  message?: string;
}

export interface GenerationView {
  uri: string;
  generationId: string;
  branches: BranchStream[];
  finished: boolean;
  outcome?: 'complete' | 'error' | 'cancelled';
  message?: string;
  startedAt: number;
  finishedAt?: number;
}

export class StreamBook {
  private gens = new Map<string, GenerationView>();
  /** The latest generation seen per document uri. */
  private latestByUri = new Map<string, string>();

  constructor(private now: () => number = () => Date.now()) {}

  /** Applies one notification; returns the generation it changed. */
  apply(ev: GenerationEvent): GenerationView {
    let g = this.gens.get(ev.generationId);
    if (!g) {
      g = { uri: ev.uri, generationId: ev.generationId, branches: [], finished: false, startedAt: this.now() };
      this.gens.set(ev.generationId, g);
      const prev = this.latestByUri.get(ev.uri);
      if (prev && prev !== ev.generationId) this.gens.delete(prev);
      this.latestByUri.set(ev.uri, ev.generationId);
    }
    switch (ev.event) {
      case 'token': {
        const b = this.branch(g, ev.branchIdx);
        b.text += ev.token ?? '';
        b.tokens += 1;
        break;
      }
      case 'complete': {
        g.finished = true;
        g.outcome = 'complete';
        const failed = new Map<number, string>();
        for (const f of ev.failures ?? []) failed.set(f.branchIdx, `${f.category ?? 'error'}: ${f.message ?? ''}`.trim());
        (ev.completions ?? []).forEach((text, i) => {
          const b = this.branch(g!, i);
          if (typeof text === 'string' && text.length >= b.text.length) b.text = text;
        });
        for (const b of g.branches) {
          if (failed.has(b.index)) {
            b.status = 'failed';
            b.message = failed.get(b.index);
          } else b.status = 'done';
        }
        for (const [idx, msg] of failed) {
          const b = this.branch(g, idx);
          b.status = 'failed';
          b.message = msg;
        }
        break;
      }
      case 'error':
        g.finished = true;
        g.outcome = 'error';
        g.message = `${ev.category ? ev.category + ': ' : ''}${ev.message ?? 'generation failed'}`;
        for (const b of g.branches) b.status = 'failed';
        break;
      case 'cancelled':
        g.finished = true;
        g.outcome = 'cancelled';
        for (const b of g.branches) if (b.status === 'streaming') b.status = 'cancelled';
        break;
    }
    if (g.finished && g.finishedAt === undefined) g.finishedAt = this.now();
    return g;
  }

  latest(uri: string): GenerationView | undefined {
    const id = this.latestByUri.get(uri);
    return id ? this.gens.get(id) : undefined;
  }

  totalTokens(generationId: string): number {
    const g = this.gens.get(generationId);
    return g ? g.branches.reduce((n, b) => n + b.tokens, 0) : 0;
  }

  private branch(g: GenerationView, idx: number): BranchStream {
    while (g.branches.length <= idx) g.branches.push({ index: g.branches.length, text: '', tokens: 0, status: 'streaming' });
    return g.branches[idx];
  }
}

/** Fraction done for a progress bar: tokens / (branches x maxTokens), capped below 1 until finished. */
export function progressFraction(tokens: number, branches: number, maxTokens: number): number {
  const total = Math.max(1, branches) * Math.max(1, maxTokens);
  return Math.min(0.99, tokens / total);
}
