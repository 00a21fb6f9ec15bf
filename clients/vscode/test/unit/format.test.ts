import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeLabel, preview, statusText, treeSignature } from '../../src/format';
import type { LoomState, TreeNode } from '../../src/protocol';

test('preview keeps the first line and marks cut text', () => {
  assert.equal(preview('  Hello world'), 'Hello world');
  assert.equal(preview('one\ntwo'), 'one…');
  assert.equal(preview('a'.repeat(100), 10), `${'a'.repeat(9)}…`);
  assert.equal(preview(''), '(empty)');
  assert.equal(preview('\n\nx'), 'x');
  assert.equal(preview('tabs\tand   spaces'), 'tabs and spaces');
});

const state = (over: Partial<LoomState> = {}): LoomState => ({
  currentNodeId: 'n1',
  fullText: 'x',
  children: [
    { id: 'a', text: 'A' },
    { id: 'b', text: 'B' },
    { id: 'c', text: 'C' },
  ],
  selectedChildIdx: 1,
  model: 'offline/markov',
  nBranches: 3,
  maxTokens: 64,
  ...over,
});

test('status shows model, branch count, selection and generation state', () => {
  assert.equal(statusText(state()).text, '$(git-branch) offline/markov · 3 branches 2/3');
  assert.match(statusText(state({ generating: true })).text, /generating$/);
  assert.equal(statusText(state({ children: [{ id: 'a', text: 'A' }], selectedChildIdx: 0 })).text, '$(git-branch) offline/markov · 1 branch 1/1');
  assert.equal(statusText(state({ children: [], selectedChildIdx: -1 })).text, '$(git-branch) offline/markov · 0 branches');
  assert.match(statusText(state({ bookmarked: true })).text, /\$\(bookmark\)/);
});

test('status explains a server problem instead of state', () => {
  const s = statusText(state(), 'dotnet missing');
  assert.match(s.text, /server not running/);
  assert.equal(s.tooltip, 'dotnet missing');
});

test('node labels carry bookmark, model (only when toggled) and child count', () => {
  const node: TreeNode = { id: 'n', parentId: 'p', text: 'The cat sat\non the mat', model: 'gpt', bookmarked: true, childCount: 2 };
  const hidden = nodeLabel(node, { showModelNames: false, onPath: false, isCurrent: false });
  assert.equal(hidden.label, 'The cat sat…');
  assert.equal(hidden.description, '★ · 2 children');
  const shown = nodeLabel(node, { showModelNames: true, onPath: true, isCurrent: true });
  assert.equal(shown.description, '◀ current · ★ · gpt · 2 children');
  assert.match(shown.tooltip, /model: gpt/);
});

test('tree signature changes with what the tree shows, not with generating or model', () => {
  const a = treeSignature(state());
  assert.equal(treeSignature(state({ generating: true, maxTokens: 9 })), a);
  assert.notEqual(treeSignature(state({ currentNodeId: 'n2' })), a);
  assert.notEqual(treeSignature(state({ showModelNames: true })), a);
  assert.notEqual(treeSignature(state({ children: [{ id: 'a', text: 'A', bookmarked: true }, { id: 'b', text: 'B' }, { id: 'c', text: 'C' }] })), a);
  assert.notEqual(treeSignature(state({ fullText: 'xy' })), a, 'typing at the end grows the draft node');
});
