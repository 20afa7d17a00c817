// The per-vendor stagger gate (issue 11): after a canary's resume worked, the next limited workcell of
// that vendor may fire only after the configured gap. Kept in `state/recovery-gate.json`, written
// atomically on every change, so a daemon restarted mid-stagger keeps the gap instead of waking the
// rest at once. Only the daemon writes it (one writer); times are the recoverer's clock (ms epoch).
import { join } from 'node:path';
import type { AgentName } from '../../common/workcell.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';

export const GATE_FILE = 'recovery-gate.json';
const pathOf = (dir: ControlDir) => join(dir.state, GATE_FILE);

export type Gate = Map<AgentName, number>;

export async function readGate(dir: ControlDir): Promise<Gate> {
  const raw = (await readJson<Record<string, unknown>>(pathOf(dir))) ?? {};
  const g: Gate = new Map();
  for (const [v, t] of Object.entries(raw)) if (typeof t === 'number') g.set(v as AgentName, t);
  return g;
}

/** Writes the gates still in the future (a passed one holds nothing back). */
export async function writeGate(dir: ControlDir, g: Gate, now: number): Promise<void> {
  await writeJsonAtomic(pathOf(dir), Object.fromEntries([...g].filter(([, t]) => t > now)));
}
