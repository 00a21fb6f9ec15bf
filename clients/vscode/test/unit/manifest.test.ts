import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { CUSTOM_COMMANDS, modelChoices, parseModelPlan, SIMPLE_COMMANDS, validatePositiveInt } from '../../src/commandTable';
import { ALL_SERVER_COMMANDS, stateFromResult } from '../../src/protocol';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command);

test('every contributed command has a handler and vice versa', () => {
  const handled = new Set<string>([...Object.keys(SIMPLE_COMMANDS), ...CUSTOM_COMMANDS]);
  assert.deepEqual(contributed.filter((c) => !handled.has(c)), []);
  assert.deepEqual([...handled].filter((c) => !contributed.includes(c)), []);
});

test('palette commands are titled "Loom: ..." and never reuse the server ids', () => {
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, 'Loom', c.command);
    assert.ok(c.title.length > 2);
    assert.ok(!ALL_SERVER_COMMANDS.includes(c.command), `${c.command} would clash with the language client's server commands`);
  }
});

test('every protocol command is reachable from the palette', () => {
  const reachable = new Set(Object.values(SIMPLE_COMMANDS).map((s) => s.server));
  // Custom handlers and what they send.
  for (const s of ['loom.setModelPlan', 'loom.attach', 'loom.generate', 'loom.navigateTo', 'loom.setModel', 'loom.setMaxTokens', 'loom.setBranches', 'loom.setContext', 'loom.deleteNode', 'loom.setApiKey', 'loom.import', 'loom.export']) reachable.add(s);
  const src = ['commands.ts', 'client.ts'].map((f) => fs.readFileSync(path.join(__dirname, '../../../src', f), 'utf8')).join('\n');
  for (const s of reachable) {
    if (SIMPLE_COMMANDS && Object.values(SIMPLE_COMMANDS).some((x) => x.server === s)) continue;
    const key = s.replace('loom.', '');
    assert.match(src, new RegExp(`ServerCommand\\.${key}\\b`), `${s} is sent by commands.ts or client.ts`);
  }
  reachable.add('loom.setModelPlan');
  const missing = ALL_SERVER_COMMANDS.filter((c) => !reachable.has(c));
  assert.deepEqual(missing, []);
});

test('keybindings target contributed commands and only fire in a loom editor', () => {
  const keys = Object.fromEntries(pkg.contributes.keybindings.map((k: { key: string; command: string }) => [k.key, k]));
  const expected: Record<string, string> = {
    'alt+enter': 'loom-branches.generate',
    'alt+right': 'loom-branches.navigateChild',
    'alt+left': 'loom-branches.navigateParent',
    'alt+up': 'loom-branches.previousSibling',
    'alt+down': 'loom-branches.nextSibling',
    'ctrl+alt+b': 'loom-branches.toggleBookmark',
    'ctrl+alt+n': 'loom-branches.nextBookmark',
    escape: 'loom-branches.cancel',
  };
  for (const [key, cmd] of Object.entries(expected)) {
    assert.equal(keys[key]?.command, cmd, key);
    assert.match(keys[key].when, /loom\.active/, key);
    assert.ok(contributed.includes(cmd));
  }
  assert.match(keys.escape.when, /loom\.generating/);
});

test('settings cover the protocol names, with descriptions', () => {
  const props = pkg.contributes.configuration.properties;
  for (const k of ['loom.model', 'loom.maxTokens', 'loom.branches', 'loom.temperature', 'loom.providers', 'loom.database', 'loom.server.path']) {
    assert.ok(props[k], k);
    assert.ok(props[k].description || props[k].markdownDescription, `${k} has a description`);
  }
  assert.ok(!Object.keys(props).some((k) => /key/i.test(k) && !/maxTokens/.test(k)), 'no API key setting');
});

test('language, grammar and view container are declared', () => {
  assert.equal(pkg.contributes.languages[0].id, 'loom');
  assert.deepEqual(pkg.contributes.languages[0].extensions, ['.loom']);
  const grammar = JSON.parse(fs.readFileSync(path.join(__dirname, '../../..', pkg.contributes.grammars[0].path), 'utf8'));
  assert.equal(grammar.scopeName, 'text.loom');
  for (const r of Object.values(grammar.repository) as { match?: string }[]) if (r.match) new RegExp(r.match.replace(/\(\?=/g, '(?='));
  assert.deepEqual(pkg.contributes.views.loom.map((v: { id: string }) => v.id), ['loom.tree', 'loom.generation']);
  assert.equal(`${pkg.publisher}.${pkg.name}`, 'loom-editor.loom-branches');
});

test('number inputs are validated', () => {
  assert.equal(validatePositiveInt('3'), undefined);
  assert.ok(validatePositiveInt('0'));
  assert.ok(validatePositiveInt('-1'));
  assert.ok(validatePositiveInt('2.5'));
  assert.ok(validatePositiveInt('65', 64));
});

test('model choices put the current model first without duplicates', () => {
  assert.deepEqual(modelChoices('offline/markov', 'offline/markov', { mylab: {} }, [{ model: 'a/b' }]), ['offline/markov', 'a/b', 'mylab/', 'offline/markov-slow']);
});

test('command results: a LoomState, or {bookmarked, state}', () => {
  const st = { currentNodeId: 'x', fullText: '', children: [], selectedChildIdx: -1 };
  assert.equal(stateFromResult(st), st);
  assert.equal(stateFromResult({ bookmarked: true, state: st }), st);
  assert.equal(stateFromResult({}), undefined);
  assert.equal(stateFromResult(null), undefined);
});

test('model plans typed as JSON are checked', () => {
  assert.deepEqual(parseModelPlan('[{"model":"a/b","branches":2}]').plan, [{ model: 'a/b', branches: 2 }]);
  assert.match(parseModelPlan('[]').error!, /at least one/);
  assert.match(parseModelPlan('{').error!, /Not JSON/);
  assert.match(parseModelPlan('[{"branches":2}]').error!, /"model"/);
  assert.match(parseModelPlan('[{"model":"x","maxTokens":0}]').error!, /maxTokens/);
});
