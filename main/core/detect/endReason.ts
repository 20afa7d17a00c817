// Why an agent's pane died, read from its last screen: the reason the product attaches to `done` or
// `failed`. One rule for the supervisor (Detector.endReason) and the conformance scorer.
import type { VendorPatterns } from '../agents/patterns.js';
import { detect, type Detection } from './detect.js';

export type EndReason = 'rate_limited' | 'auth_failed' | 'throttled' | 'api_error' | 'network';

/** The end reason a detection of a dead pane's screen supports, given the exit status (null: unknown
 * or a signal). An exit 0 is a run that finished: a transient error still on its screen (codex exec
 * reconnecting, then answering) was recovered from and is no reason; only a usage limit or a lost
 * login is still worth telling. */
export function endReasonOf(d: Detection | null, exitStatus: number | null): EndReason | null {
  if (!d) return null;
  let r: EndReason | null = null;
  if (d.state === 'auth_failed') r = 'auth_failed';
  else if (d.state === 'rate_limited') r = d.reason === 'throttled' ? 'throttled' : 'rate_limited';
  else if (d.reason === 'network' || d.reason === 'api_error') r = d.reason;
  if (exitStatus === 0 && (r === 'throttled' || r === 'api_error' || r === 'network')) return null;
  return r;
}

/** Why an agent ended, read from its last screen (plain text, escape sequences removed): the reason and
 * the detection behind it (its evidence and reset time), or null when the screen gives none. The one
 * reading for the supervisor's end report and recovery's check of a relaunch, so both agree. */
export function readEnd(i: {
  agent: string;
  screen: string;
  exitStatus: number | null;
  now: Date;
  patterns: VendorPatterns;
}): { reason: EndReason; detection: Detection } | null {
  if (!i.screen.trim()) return null;
  const d = detect({ agent: i.agent, screen: i.screen, now: i.now, patterns: i.patterns, dead: true });
  const reason = endReasonOf(d, i.exitStatus);
  return d && reason ? { reason, detection: d } : null;
}
