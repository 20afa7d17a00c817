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

/** A dead pane's last screen read once with the rule above: the reason and the detection that backs
 * it (its resetAt and evidence), or null. Shared by the supervisor (Detector.endReason) and a loop
 * runner that judges an ended iteration when no daemon has read that screen (loop/endScreen.ts). */
export function endOfScreen(input: {
  agent: string;
  /** Already cleaned of escape sequences (notify/format.ts cleanTerminalText). */
  screen: string;
  now: Date;
  patterns: VendorPatterns;
  exitStatus: number | null;
}): { reason: EndReason; detection: Detection } | null {
  if (!input.screen.trim()) return null;
  const d = detect({
    agent: input.agent,
    screen: input.screen,
    now: input.now,
    patterns: input.patterns,
    dead: true,
  });
  const reason = endReasonOf(d, input.exitStatus);
  return d && reason ? { reason, detection: d } : null;
}
