// The drift check: a fresh capture run against the recorded fixtures, for the same cases. A pinned CLI
// whose behaviour changed shows as a moment no longer reached (or newly reached), a changed truth
// label or exit, or a changed screen signature. Screens are never byte-stable (spinner verbs, timers,
// temp paths), so a signature is the set of words on the screen with digits and ids masked, and only
// a difference beyond a few words counts.
import { createHash } from 'node:crypto';
import type { Capture } from './capture.js';

export interface CaseKey {
  vendor: string;
  scenario: string;
  mode: string;
  width: number;
  height: number;
}

export interface Drift {
  id: string;
  what: string;
}

const caseOf = (c: CaseKey) => `${c.vendor}/${c.mode}-${c.scenario}-${c.width}x${c.height}`;

/** The screen's words: lower case, tmux's dead-pane line dropped, temp paths, ids and numbers
 * masked, 3+ letters. */
export function screenWords(screen: string): Set<string> {
  const masked = screen
    // tmux's own line under a dead pane comes a moment after the pane is marked dead: harness timing.
    .replace(/^Pane is dead \(.*\)$/gm, ' ')
    .toLowerCase()
    .replace(/\/tmp\/[\w./-]+/g, ' ')
    .replace(/\b[0-9a-f]{8,}(-[0-9a-f]{4,})*\b/g, ' ')
    .replace(/\d+/g, '#');
  return new Set(masked.match(/[a-z][a-z#'_-]{2,}/g) ?? []);
}

export const signature = (screen: string): string =>
  createHash('sha256')
    .update([...screenWords(screen)].sort().join(' '))
    .digest('hex')
    .slice(0, 10);

// Words a screen may gain or lose between two runs of the same case without any change in the CLI
// (claude's random spinner verb, a wrapped word): up to this many, or this share of all its words.
const WORD_SLACK = 4;
const WORD_SHARE = 0.15;

function screenDrift(was: string, now: string): string | null {
  const a = screenWords(was);
  const b = screenWords(now);
  const gone = [...a].filter((w) => !b.has(w));
  const added = [...b].filter((w) => !a.has(w));
  const n = gone.length + added.length;
  if (n <= Math.max(WORD_SLACK, WORD_SHARE * new Set([...a, ...b]).size)) return null;
  const few = (ws: string[]) => ws.slice(0, 6).join(' ') + (ws.length > 6 ? ` …(+${ws.length - 6})` : '');
  return `screen ${signature(was)} -> ${signature(now)}: lost {${few(gone)}} gained {${few(added)}}`;
}

/** The recorded captures of the cases a fresh run ran (skipped cases are not compared). */
export function recordedFor(recorded: Capture[], ran: CaseKey[]): Capture[] {
  const cases = new Set(ran.map(caseOf));
  return recorded.filter((c) => cases.has(caseOf(c)));
}

/** Every difference between the recorded captures of the cases run and the fresh captures. */
export function compare(recorded: Capture[], fresh: Capture[]): Drift[] {
  const was = new Map(recorded.map((c) => [c.id, c]));
  const now = new Map(fresh.map((c) => [c.id, c]));
  const out: Drift[] = [];
  for (const [id, c] of was) {
    const f = now.get(id);
    if (!f) {
      out.push({ id, what: `no longer reached (was ${c.truth.label})` });
      continue;
    }
    if (f.cliVersion !== c.cliVersion) out.push({ id, what: `version ${c.cliVersion} -> ${f.cliVersion}` });
    if (f.truth.label !== c.truth.label) out.push({ id, what: `label ${c.truth.label} -> ${f.truth.label}` });
    const exit = (x: Capture) => (x.dead ? `exit ${x.exitStatus ?? `signal ${x.exitSignal}`}` : 'alive');
    if (exit(f) !== exit(c)) out.push({ id, what: `${exit(c)} -> ${exit(f)}` });
    const s = screenDrift(c.screen, f.screen);
    if (s) out.push({ id, what: s });
  }
  for (const [id, f] of now)
    if (!was.has(id)) out.push({ id, what: `newly reached (${f.truth.label}), not in the fixtures` });
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

export function formatDrift(drift: Drift[], compared: number): string {
  if (!drift.length) return `no drift: ${compared} recorded captures match a fresh run`;
  const ids = new Set(drift.map((d) => d.id));
  return [
    `DRIFT: ${ids.size} captures differ from the fixtures (${compared} recorded for the cases run):`,
    ...drift.map((d) => `  ${d.id}: ${d.what}`),
    'If the change is expected (a version bump), re-record with `npm run conformance -- --record` and review the diff.',
  ].join('\n');
}
