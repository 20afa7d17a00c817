// `npm start`: the tray app when Electron can run here; otherwise ONE line saying why, then the same
// dashboard in a browser via `workcell ui`, so the main job (watching workcells) still runs.
// Electron's binary is fetched by its own install step from outside the npm registry; on machines
// that cannot reach it we try once, with a timeout, and move on.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(ROOT, 'dist/main/app/main.js');
const CLI = join(ROOT, 'bin/workcell.js');
// A download that has not finished in 60 s on a working connection is not going to; offline it fails
// in about a second. Either way `npm start` must not hang.
const INSTALL_TIMEOUT_MS = 60_000;

/** The Electron binary, resolved the way node_modules/electron/index.js does, without loading it
 * (that module throws when the binary is missing). */
function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    // the electron package is not installed at all (production install without devDependencies)
    return { pkgDir: null, bin: null };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { pkgDir, bin: null };
  const rel = readFileSync(pathFile, 'utf8').trim();
  const base = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkgDir, 'dist');
  const bin = join(base, rel);
  return { pkgDir, bin: existsSync(bin) ? bin : null };
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** `workcell ui` prints the tokened URL on this terminal and opens its 0600 hand-over file, never a
 * tokened URL (any argv is readable by every local user; docs/bridge.md): nothing to hand over here. */
function fallback(reason) {
  process.stderr.write(
    `Session Supervisor: ${reason}; serving the dashboard with \`workcell ui\` instead.\n`,
  );
  const child = spawn(process.execPath, [CLI, 'ui', ...process.argv.slice(2)], { stdio: 'inherit' });
  forward(child);
}

function forward(child) {
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function main() {
  if (!existsSync(MAIN)) {
    process.stderr.write('Session Supervisor: not built yet; run `npm run build` first.\n');
    process.exit(1);
  }
  let { pkgDir, bin } = electronBinary();
  if (!bin && pkgDir) {
    const env = { ...process.env };
    delete env.ELECTRON_SKIP_BINARY_DOWNLOAD; // install.js exits at once when it is set
    spawnSync(process.execPath, [join(pkgDir, 'install.js')], {
      cwd: pkgDir,
      env,
      stdio: 'ignore',
      timeout: INSTALL_TIMEOUT_MS,
    });
    ({ bin } = electronBinary());
  }
  if (!bin) return fallback('the Electron binary is not installed and could not be downloaded');
  if (!hasDisplay()) return fallback('no display (DISPLAY and WAYLAND_DISPLAY are unset)');
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // set by some IDE terminals; it would run main.js as plain node
  const child = spawn(bin, [MAIN, ...process.argv.slice(2)], { stdio: 'inherit', env });
  child.on('error', (e) => fallback(`Electron could not start (${e.message})`));
  forward(child);
}

main();
