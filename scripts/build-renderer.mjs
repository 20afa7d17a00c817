// Builds the renderer: bundles every renderer/entries/*.ts to dist/renderer/<name>.js (ESM, browser),
// copies renderer/*.html, renderer/*.css and xterm's css next to them, bundles preload/preload.ts to
// dist/preload/preload.cjs when it exists (Electron sandboxed preloads must be CommonJS), then
// typechecks with tsconfig.renderer.json and tsconfig.preload.json and fails the build on any error.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, basename } from 'node:path';
import { spawnSync } from 'node:child_process';

const out = 'dist/renderer';
mkdirSync(out, { recursive: true });
const entries = readdirSync('renderer/entries').filter((f) => f.endsWith('.ts'));
await build({
  entryPoints: entries.map((f) => join('renderer/entries', f)),
  outdir: out,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  sourcemap: true,
  minify: process.env.NODE_ENV === 'production',
  logLevel: 'warning',
});
for (const f of readdirSync('renderer')) {
  if (f.endsWith('.html') || f.endsWith('.css')) copyFileSync(join('renderer', f), join(out, f));
}
copyFileSync('node_modules/@xterm/xterm/css/xterm.css', join(out, 'xterm.css'));

if (existsSync('preload/preload.ts')) {
  await build({
    entryPoints: ['preload/preload.ts'],
    outfile: 'dist/preload/preload.cjs',
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  });
}

// The renderer and the preload are both typed from main/common/ipc.ts: checking both makes a
// contract mismatch between them a build failure.
for (const project of ['tsconfig.renderer.json', 'tsconfig.preload.json']) {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) {
    console.error(`build-renderer: typecheck failed (${project})`);
    process.exit(1);
  }
}
console.log(`build-renderer: ${entries.map((f) => basename(f, '.ts')).join(', ')} -> ${out}`);
