// Why an agent's pane died, read from its last screen: the reason the product attaches to `done` or
// `failed`. One rule for the supervisor (Detector.endReason) and the conformance scorer.
import type { Detection } from './detect.js';

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
