// GET /api/loops: every loop under $WORKCELLS_HOME/loops as a LoopView. Read-only: it reads the state
// the loop runner writes (main/core/loop/loopState.ts) and the loop's PRD, and changes nothing.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOOPS_ROUTE, type LoopItemView, type LoopView } from '../../common/loopView.js';
import { isSuccess, LOOP_DEFAULTS, LoopFiles, type LoopState } from '../loop/loopState.js';
import { parsePrd } from '../loop/prd.js';
import type { ControlDir } from '../paths.js';
import { ok, type Result } from '../result.js';

function itemViews(s: LoopState, prdText: string | null): LoopItemView[] {
  const latest = new Map<string, string>();
  for (const it of s.iterations) latest.set(it.item, it.workcell);
  const flying = new Map<string, string>();
  if (s.current) flying.set(s.current.item, s.current.workcell);
  for (const [item, f] of Object.entries(s.inflight ?? {})) flying.set(item, f.workcell);
  const view = (key: string, text: string, ticked: boolean): LoopItemView => {
    const st = s.items[key];
    const wc = flying.get(key) || latest.get(key) || null;
    return {
      key,
      text,
      done: isSuccess(st?.outcome) || ticked,
      outcome: st?.outcome ?? null,
      attempts: st?.attempts ?? 0,
      workcell: wc,
      inFlight: flying.has(key),
    };
  };
  // The PRD lists every item, tried or not; without it, the ones the state knows.
  const prd = prdText === null ? [] : parsePrd(prdText);
  if (prd.length > 0) return prd.map((p) => view(p.key, p.text, p.done));
  return Object.entries(s.items).map(([k, st]) => view(k, st.text, false));
}

export function loopView(s: LoopState, prdText: string | null): LoopView {
  const items = itemViews(s, prdText);
  return {
    name: s.name,
    status: s.status,
    statusReason: s.statusReason,
    repo: s.repo,
    done: items.filter((i) => i.done).length,
    total: items.length,
    iteration: s.iteration,
    max: s.max,
    breaker: {
      open: s.breaker.open,
      reason: s.breaker.reason,
      noProgress: s.breaker.noProgress,
      limit: LOOP_DEFAULTS.breaker.noProgress,
    },
    items,
    updatedAt: s.updatedAt,
  };
}

export async function listLoops(dir: ControlDir): Promise<LoopView[]> {
  let names: string[];
  try {
    names = await readdir(join(dir.root, 'loops'));
  } catch {
    return []; // no loop has run in this home
  }
  const out: LoopView[] = [];
  for (const name of names.sort()) {
    const s = await new LoopFiles(dir, name).readState().catch(() => null);
    if (!s) continue; // a lock or half-created dir: nothing to show yet
    const prd = await readFile(s.prd, 'utf8').catch(() => null);
    out.push(loopView(s, prd));
  }
  // Running loops first, then the most recently updated.
  return out.sort(
    (a, b) =>
      Number(b.status === 'running' || b.status === 'breaker_open') -
        Number(a.status === 'running' || a.status === 'breaker_open') ||
      b.updatedAt.localeCompare(a.updatedAt),
  );
}

export async function loopsRoute(
  dir: ControlDir,
  method: string,
  path: string,
): Promise<Result<LoopView[]> | null> {
  if (path !== LOOPS_ROUTE || method !== 'GET') return null;
  return ok(await listLoops(dir));
}
