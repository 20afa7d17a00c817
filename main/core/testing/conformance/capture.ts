// The labelled capture: one look at a real vendor CLI's pane, with what was true at that moment.
// Stored as JSON under main/core/detect/fixtures/conformance/<vendor>/ so detector tests run without
// the CLIs. The label comes from the mock's log and the pane's life (alive, dead, exit status), never
// from a detector.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MockEvent, Scenario } from './mockApi.js';
import type { Mode } from './vendors.js';
import type { Sources } from './sources.js';

/** What was true. `done`: a headless run that ended with exit 0 after a successful answer.
 * `throttled`: a plain 429 (the server limiting requests), kept apart from a usage limit (quota).
 * `api_error`: the API answered 5xx/529; `network`: the API could not be reached. */
export const TRUTH_LABELS = [
  'working',
  'waiting',
  'idle',
  'done',
  'usage_limit',
  'throttled',
  'auth',
  'api_error',
  'network',
] as const;
export type TruthLabel = (typeof TRUTH_LABELS)[number];

export const ERROR_LABELS: readonly TruthLabel[] = [
  'usage_limit',
  'throttled',
  'auth',
  'api_error',
  'network',
];

export type Moment =
  | 'just_started'
  | 'answered'
  | 'mid_stream'
  | 'at_dialog'
  | 'after_error'
  | 'settled'
  | 'after_exit'
  | 'waiting_on_api';

/** Hooks, transcript tail and stream events (sources.ts) ride along where the CLI gives them. */
export interface Capture extends Sources {
  id: string;
  vendor: string;
  cliVersion: string;
  scenario: Scenario;
  mode: Mode;
  width: number;
  height: number;
  moment: Moment;
  /** ISO time of the capture: detection runs with this as `now` (the CLIs run with TZ=UTC). */
  capturedAt: string;
  screen: string;
  title: string;
  dead: boolean;
  exitStatus: number | null;
  /** Signal that ended a dead pane's process, when it was one (tmux leaves the status empty then). */
  exitSignal?: number | null;
  truth: { label: TruthLabel; why: string; resetAt?: string };
  /** The mock's log up to the capture (last 30 events), the evidence for the label. */
  mock: MockEvent[];
}

export const FIXTURE_DIR = fileURLToPath(
  new URL('../../../../../main/core/detect/fixtures/conformance/', import.meta.url),
);
/** Where `npm run conformance` writes: the fixtures, or WORKCELL_CONFORMANCE_OUT for a trial run. */
export const outDir = (): string => process.env.WORKCELL_CONFORMANCE_OUT ?? FIXTURE_DIR;

export const captureId = (c: Pick<Capture, 'vendor' | 'mode' | 'scenario' | 'width' | 'height' | 'moment'>) =>
  `${c.vendor}/${c.mode}-${c.scenario}-${c.width}x${c.height}-${c.moment}`;

export function writeCapture(c: Capture, dir = FIXTURE_DIR): string {
  const path = join(dir, `${c.id}.json`);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(c, null, 2)}\n`);
  return path;
}

export function readCaptures(dir = FIXTURE_DIR): Capture[] {
  let files: string[];
  try {
    files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
  } catch {
    // no captures recorded yet
    return [];
  }
  return files
    .filter((f) => f.includes('/'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Capture);
}
