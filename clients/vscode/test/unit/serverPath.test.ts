import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { findOnPath, isLaunchError, resolveServer, ResolveInput } from '../../src/serverPath';

const ext = '/ext';
const base = (files: string[], over: Partial<ResolveInput> = {}): ResolveInput => ({
  extensionPath: ext,
  platform: 'linux',
  arch: 'x64',
  exists: (p) => files.includes(p),
  dotnet: '/usr/bin/dotnet',
  ...over,
});

test('setting wins over env and bundled server', () => {
  const r = resolveServer(base(['/opt/loom/loom-language-server', path.join(ext, 'server/linux-x64/loom-language-server')], {
    settingPath: '/opt/loom/loom-language-server',
    envPath: '/elsewhere',
  }));
  assert.ok(!isLaunchError(r));
  assert.equal(r.command, '/opt/loom/loom-language-server');
  assert.deepEqual(r.args, []);
  assert.equal(r.source, 'setting');
});

test('a .dll setting runs with dotnet', () => {
  const r = resolveServer(base(['/s/loom-language-server.dll'], { settingPath: '/s/loom-language-server.dll' }));
  assert.ok(!isLaunchError(r));
  assert.equal(r.command, '/usr/bin/dotnet');
  assert.deepEqual(r.args, ['/s/loom-language-server.dll']);
});

test('a missing setting path is one error that names the setting and the fix', () => {
  const r = resolveServer(base([], { settingPath: '/nope/loom-language-server' }));
  assert.ok(isLaunchError(r));
  assert.match(r.error, /\/nope\/loom-language-server/);
  assert.match(r.error, /loom\.server\.path/);
  assert.match(r.fix, /build-server\.sh/);
});

test('LOOM_SERVER env is used when the setting is empty', () => {
  const r = resolveServer(base(['/env/loom-language-server'], { settingPath: '  ', envPath: '/env/loom-language-server' }));
  assert.ok(!isLaunchError(r));
  assert.equal(r.source, 'env');
});

test('bundled self-contained build is preferred on its platform and made executable', () => {
  const sc = path.join(ext, 'server/linux-x64/loom-language-server');
  const r = resolveServer(base([sc, path.join(ext, 'server/fdd/loom-language-server.dll')]));
  assert.ok(!isLaunchError(r));
  assert.equal(r.command, sc);
  assert.equal(r.ensureExecutable, sc);
});

test('other platforms use the framework-dependent dll with dotnet', () => {
  const dll = path.join(ext, 'server/fdd/loom-language-server.dll');
  const r = resolveServer(base([path.join(ext, 'server/linux-x64/loom-language-server'), dll], { platform: 'darwin', arch: 'arm64' }));
  assert.ok(!isLaunchError(r));
  assert.equal(r.command, '/usr/bin/dotnet');
  assert.deepEqual(r.args, [dll]);
});

test('framework-dependent without dotnet explains how to get the runtime', () => {
  const dll = path.join(ext, 'server/fdd/loom-language-server.dll');
  const r = resolveServer(base([dll], { platform: 'darwin', dotnet: undefined }));
  assert.ok(isLaunchError(r));
  assert.match(r.error, /\.NET 10/);
  assert.match(r.fix, /loom\.server\.path/);
});

test('no server at all says so', () => {
  const r = resolveServer(base([]));
  assert.ok(isLaunchError(r));
  assert.match(r.error, /no bundled language server/);
});

test('database setting becomes --db', () => {
  const r = resolveServer(base(['/s/x'], { settingPath: '/s/x', database: '/tmp/t.sqlite' }));
  assert.ok(!isLaunchError(r));
  assert.deepEqual(r.args, ['--db', '/tmp/t.sqlite']);
});

test('findOnPath walks PATH in order', () => {
  const files = ['/b/dotnet', '/c/dotnet'];
  assert.equal(findOnPath('dotnet', '/a:/b:/c', 'linux', (p) => files.includes(p)), '/b/dotnet');
  assert.equal(findOnPath('dotnet', '/a', 'linux', (p) => files.includes(p)), undefined);
  assert.equal(findOnPath('dotnet', undefined, 'linux', () => true), undefined);
});
