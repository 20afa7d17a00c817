// Pinned vendor CLIs installed once into a cache outside the project (never node_modules or
// package.json): `npm install --prefix <cache>/install-<pkg>-<version> <pkg>@<version>`.
// The directory name must not be the bare package spec: npm 11 reads an unnamed prefix's basename as
// its own package name and then calls `opencode-ai@1.18.33` "up to date" without installing it.
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ok, err, type Result } from '../../result.js';
import type { Vendor } from './vendors.js';

export const cacheRoot = (): string =>
  process.env.WORKCELL_CONFORMANCE_CACHE ?? join(homedir(), '.cache', 'workcell-conformance');

const pkgDir = (pkg: string, version: string): string =>
  join(cacheRoot(), `install-${pkg.replace('/', '+')}-${version}`);

export const installDir = (v: Vendor): string => pkgDir(v.pkg, v.version);

export const binPath = (v: Vendor): string => join(installDir(v), 'node_modules', '.bin', v.bin);

export interface Installed {
  bin: string;
  /** Seconds the install took; 0 when it was already in the cache. */
  seconds: number;
}

export function ensureInstalled(v: Vendor): Result<Installed> {
  const r = ensurePackage(v.pkg, v.version, v.bin);
  return r.ok ? ok({ bin: binPath(v), seconds: r.value.seconds }) : r;
}

/** `<pkg>@<version>` installed once into the cache. `bin`: the executable that proves the install
 * (default: the package's own package.json). `save`: also write package.json and package-lock.json,
 * as an install into a project would. */
export function ensurePackage(
  pkg: string,
  version: string,
  bin?: string,
  save = false,
): Result<{ dir: string; seconds: number }> {
  const dir = pkgDir(pkg, version);
  const modules = join(dir, 'node_modules');
  const proof = bin
    ? join(modules, '.bin', bin)
    : save
      ? join(dir, 'package-lock.json')
      : join(modules, ...pkg.split('/'), 'package.json');
  if (existsSync(proof)) return ok({ dir, seconds: 0 });
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const r = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      dir,
      ...(save ? [] : ['--no-save']),
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `${pkg}@${version}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0 || !existsSync(proof))
    return err(
      'AGENT_MISSING',
      `npm could not install ${pkg}@${version} into ${dir}: ${(r.stderr || r.stdout || '').trim().slice(-400)}`,
    );
  return ok({ dir, seconds: (Date.now() - started) / 1000 });
}
