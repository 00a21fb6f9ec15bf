import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ghostLabel, isServerGhostHint } from '../../src/ghost';

test('ghost label flattens newlines and cuts long text', () => {
  assert.equal(ghostLabel('a\nb\r\nc'), 'a ↵ b ↵ c');
  assert.equal(ghostLabel('x'.repeat(200), 10), `${'x'.repeat(9)}…`);
  assert.equal(ghostLabel(''), '');
});

test('server ghost hint is recognised only at the end and when it matches the child', () => {
  assert.equal(isServerGhostHint(' once upon a time', true, ' once upon a time there'), true);
  assert.equal(isServerGhostHint(' once upon a…', true, ' once upon a time there'), true);
  assert.equal(isServerGhostHint(' once upon a time', false, ' once upon a time there'), false);
  assert.equal(isServerGhostHint('│', true, ' once upon a time'), false, 'boundary marker stays');
  assert.equal(isServerGhostHint(' something else', true, ' once upon'), false);
  assert.equal(isServerGhostHint(' once', true, undefined), false);
});
