import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TreeCache } from '../../src/treeModel';
import type { TreeNode } from '../../src/protocol';

const n = (id: string, parentId: string | null, childCount: number): TreeNode => ({ id, parentId, text: id, childCount });

test('top request yields the root; its children are known once listed', () => {
  const c = new TreeCache();
  c.add([n('r', null, 2), n('a', 'r', 1), n('b', 'r', 0)]);
  assert.deepEqual(c.topIds(), ['r']);
  assert.deepEqual(c.childIds('r'), ['a', 'b']);
  assert.deepEqual(c.childIds('b'), []);
  assert.equal(c.childIds('a'), undefined, 'a has a child that was not loaded yet');
});

test('a lazy request for a node fills in its children', () => {
  const c = new TreeCache();
  c.add([n('r', null, 1), n('a', 'r', 2)]);
  c.add([n('a', 'r', 2), n('a1', 'a', 0), n('a2', 'a', 0)], 'a');
  assert.deepEqual(c.childIds('a'), ['a1', 'a2']);
  assert.deepEqual(c.ancestry('a2'), ['a2', 'a', 'r']);
  assert.equal(c.parentOf('a1'), 'a');
});

test('an answer holding only the children still works', () => {
  const c = new TreeCache();
  c.add([n('r', null, 1), n('a', 'r', 2)]);
  c.add([n('a1', 'a', 0), n('a2', 'a', 0)], 'a');
  assert.deepEqual(c.childIds('a'), ['a1', 'a2']);
});

test('a hoisted subtree: top is the node whose parent is absent', () => {
  const c = new TreeCache();
  c.add([n('h', 'p', 1), n('h1', 'h', 0)]);
  assert.deepEqual(c.topIds(), ['h']);
});

test('clear forgets everything', () => {
  const c = new TreeCache();
  c.add([n('r', null, 0)]);
  c.clear();
  assert.deepEqual(c.topIds(), []);
  assert.equal(c.nodes.size, 0);
});
