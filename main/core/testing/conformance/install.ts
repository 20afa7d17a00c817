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

export const installDir = (v: Vendor): string =>
  join(cacheRoot(), `install-${v.pkg.replace('/', '+')}-${v.version}`);

export const binPath = (v: Vendor): string => join(installDir(v), 'node_modules', '.bin', v.bin);

export interface Installed {
  bin: string;
  /** Seconds the install took; 0 when it was already in the cache. */
  seconds: number;
}

export function ensureInstalled(v: Vendor): Result<Installed> {
  const bin = binPath(v);
  if (existsSync(bin)) return ok({ bin, seconds: 0 });
  const dir = installDir(v);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const r = spawnSync(
    'npm',
    [
      'install',
      '--prefix',
      dir,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `${v.pkg}@${v.version}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.status !== 0 || !existsSync(bin))
    return err(
      'AGENT_MISSING',
      `npm could not install ${v.pkg}@${v.version} into ${dir}: ${(r.stderr || r.stdout || '').trim().slice(-400)}`,
    );
  return ok({ bin, seconds: (Date.now() - started) / 1000 });
}
