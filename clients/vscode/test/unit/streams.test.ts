import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressFraction, StreamBook } from '../../src/streams';

test('tokens accumulate per branch in arrival order, out-of-order branches included', () => {
  let t = 1000;
  const book = new StreamBook(() => t);
  book.apply({ uri: 'u', generationId: 'g', event: 'token', branchIdx: 2, token: 'c1' });
  book.apply({ uri: 'u', generationId: 'g', event: 'token', branchIdx: 0, token: 'a1' });
  book.apply({ uri: 'u', generationId: 'g', event: 'token', branchIdx: 0, token: ' a2' });
  const g = book.latest('u')!;
  assert.deepEqual(g.branches.map((b) => b.text), ['a1 a2', '', 'c1']);
  assert.equal(book.totalTokens('g'), 3);
  assert.equal(g.finished, false);
  t = 3500;
  book.apply({ uri: 'u', generationId: 'g', event: 'complete', completions: ['a1 a2 a3', 'b', 'c1'], newNodeIds: ['1', '2', '3'] });
  assert.equal(g.finished, true);
  assert.equal(g.outcome, 'complete');
  assert.deepEqual(g.branches.map((b) => b.text), ['a1 a2 a3', 'b', 'c1']);
  assert.deepEqual(g.branches.map((b) => b.status), ['done', 'done', 'done']);
  assert.equal(g.finishedAt! - g.startedAt, 2500);
});

test('partial failure marks only the failed branches', () => {
  const book = new StreamBook();
  book.apply({ uri: 'u', generationId: 'g', event: 'token', branchIdx: 0, token: 'x' });
  book.apply({ uri: 'u', generationId: 'g', event: 'token', branchIdx: 1, token: 'y' });
  book.apply({ uri: 'u', generationId: 'g', event: 'complete', completions: ['x'], failures: [{ branchIdx: 1, category: 'network', message: 'reset' }] });
  const g = book.latest('u')!;
  assert.equal(g.branches[0].status, 'done');
  assert.equal(g.branches[1].status, 'failed');
  assert.equal(g.branches[1].message, 'network: reset');
});

test('cancel and error end a generation', () => {
  const book = new StreamBook();
  book.apply({ uri: 'u', generationId: 'g1', event: 'token', branchIdx: 0, token: 'x' });
  book.apply({ uri: 'u', generationId: 'g1', event: 'cancelled' });
  assert.equal(book.latest('u')!.outcome, 'cancelled');
  assert.equal(book.latest('u')!.branches[0].status, 'cancelled');
  book.apply({ uri: 'u', generationId: 'g2', event: 'error', category: 'auth', message: 'bad key' });
  const g2 = book.latest('u')!;
  assert.equal(g2.generationId, 'g2');
  assert.equal(g2.message, 'auth: bad key');
  assert.equal(book.totalTokens('g1'), 0, 'older generation of the same document is dropped');
});

test('generations of different documents are kept apart', () => {
  const book = new StreamBook();
  book.apply({ uri: 'a', generationId: 'g1', event: 'token', branchIdx: 0, token: 'x' });
  book.apply({ uri: 'b', generationId: 'g2', event: 'token', branchIdx: 0, token: 'y' });
  assert.equal(book.latest('a')!.branches[0].text, 'x');
  assert.equal(book.latest('b')!.branches[0].text, 'y');
});

test('progress fraction stays below 1 and handles zero settings', () => {
  assert.equal(progressFraction(0, 3, 64), 0);
  assert.equal(progressFraction(96, 3, 64), 0.5);
  assert.equal(progressFraction(1000, 3, 64), 0.99);
  assert.equal(progressFraction(1, 0, 0), 0.99);
});
