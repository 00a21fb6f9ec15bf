// Text shown in the status bar, tree view and stream view. Pure: no vscode import.
import type { LoomState, TreeNode } from './protocol';

/** First line of a node's text, whitespace collapsed, cut to `max` characters. */
export function preview(text: string, max = 60): string {
  const trimmed = text.replace(/^\s+/, '');
  const firstLine = trimmed.split(/\r?\n/)[0] ?? '';
  const collapsed = firstLine.replace(/\s+/g, ' ');
  const more = collapsed.length > max || trimmed.length > firstLine.length;
  const cut = collapsed.length > max ? collapsed.slice(0, max - 1).trimEnd() : collapsed;
  if (!cut) return more ? '↵…' : '(empty)';
  return more ? `${cut}…` : cut;
}

export interface StatusInfo {
  text: string;
  tooltip: string;
}

export function statusText(state: LoomState | undefined, serverProblem?: string): StatusInfo {
  if (serverProblem) {
    return { text: '$(error) Loom: server not running', tooltip: serverProblem };
  }
  if (!state) return { text: '$(git-branch) Loom', tooltip: 'Loom: no loom in the active editor' };
  const model = state.model || 'default model';
  const n = state.children?.length ?? 0;
  const branchWord = n === 1 ? 'branch' : 'branches';
  const sel = n > 0 ? ` ${state.selectedChildIdx + 1}/${n}` : '';
  const gen = state.generating ? ' $(sync~spin) generating' : '';
  const mark = state.bookmarked ? ' $(bookmark)' : '';
  return {
    text: `$(git-branch) ${model} · ${n} ${branchWord}${sel}${mark}${gen}`,
    tooltip: `Loom — model ${model}, ${n} ${branchWord} here, ${state.nBranches ?? '?'} per generation, ${state.maxTokens ?? '?'} tokens each.${state.generating ? ' Generating (Escape cancels).' : ''} Click to pick the model.`,
  };
}

export interface NodeLabel {
  label: string;
  description: string;
  tooltip: string;
}

export function nodeLabel(node: TreeNode, opts: { showModelNames: boolean; onPath: boolean; isCurrent: boolean }): NodeLabel {
  const parts: string[] = [];
  if (opts.isCurrent) parts.push('◀ current');
  if (node.bookmarked) parts.push('★');
  if (opts.showModelNames && node.model) parts.push(node.model);
  if (node.childCount > 0) parts.push(`${node.childCount} ${node.childCount === 1 ? 'child' : 'children'}`);
  const tooltipLines = [node.text.length > 2000 ? `${node.text.slice(0, 2000)}…` : node.text, ''];
  if (node.model) tooltipLines.push(`model: ${node.model}`);
  if (node.bookmarked) tooltipLines.push('bookmarked');
  if (node.createdAt) tooltipLines.push(`created: ${node.createdAt}`);
  return { label: preview(node.text), description: parts.join(' · '), tooltip: tooltipLines.join('\n') };
}

/** What of a LoomState the tree view shows: when it is unchanged the tree needs no reload. */
export function treeSignature(state: LoomState): string {
  return JSON.stringify([
    state.currentNodeId,
    state.rootId,
    state.hoistedNodeId ?? null,
    state.showModelNames ?? false,
    state.viewMode ?? 'branch',
    state.bookmarked ?? false,
    state.fullText?.length ?? 0,
    (state.children ?? []).map((c) => [c.id, c.bookmarked ?? false, c.descendantCount ?? 0, c.model ?? null, c.text.length]),
  ]);
}
