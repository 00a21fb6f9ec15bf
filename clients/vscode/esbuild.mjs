// Bundles the extension (dist/extension.js) or the unit tests (out/test/unit/*.test.js).
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

if (args.has('--fake-server')) {
  await esbuild.build({ entryPoints: ['test/fake-server/server.ts'], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: 'out/fake-server/server.js', logLevel: 'warning' });
  fs.writeFileSync('out/fake-server/loom-language-server', `#!/bin/sh\nexec node "$(dirname "$0")/server.js" "$@"\n`, { mode: 0o755 });
} else if (args.has('--tests')) {
  const dir = 'test/unit';
  const entryPoints = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(dir, f));
  fs.rmSync('out/test/unit', { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    outdir: 'out/test/unit',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
} else {
  const ctx = await esbuild.context({
    entryPoints: ['src/extension.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    outfile: 'dist/extension.js',
    // Lets activate() report load + activation time, like "Show Running Extensions" does.
    banner: { js: 'globalThis.__loomLoadStart = performance.now();' },
    footer: { js: 'globalThis.__loomLoadEnd = performance.now();' },
    external: ['vscode'],
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'warning',
  });
  if (args.has('--watch')) await ctx.watch();
  else {
    await ctx.rebuild();
    await ctx.dispose();
  }
}
