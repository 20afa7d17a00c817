// Which notifications make a sound (issue 10, "optional sound per state"). A silent bubble for a
// finished, verified run; a sound for what needs the user now. One rule for the desktop app (Electron's
// `silent`) and notify-send (a sound hint, or suppress-sound), so both decide the same way.
import {
  ERROR_REASONS,
  OVER_RESOURCES,
  STALE,
  TURN_END,
  verifyOutcome,
  type NotifyOn,
  type StateChange,
} from './notify.js';
import { STATES, type WorkcellState } from './workcell.js';

/** A completion (done, or a turn end) whose verify.sh failed: its own entry, so "done" can stay quiet
 * while "claimed done, not verified" rings. */
export const VERIFY_FAILED = 'verify_failed';
export type SoundOn = NotifyOn | typeof VERIFY_FAILED;

/** Every value a `sound` list may hold (the settings page offers them; the core's schema lists the same). */
export const SOUND_ON_VALUES = [
  ...STATES,
  TURN_END,
  STALE,
  OVER_RESOURCES,
  ...ERROR_REASONS,
  VERIFY_FAILED,
] as const;

/** Default: what needs the user now. A question, a failure, a failed verify, a lost login. A usage
 * limit waits on its own and a stall may clear itself: a bubble, no sound. */
export const DEFAULT_SOUND_ON: readonly SoundOn[] = ['waiting', 'failed', VERIFY_FAILED, 'auth_failed'];

export interface SoundSource {
  state: WorkcellState;
  reason?: string | null;
  verify?: StateChange['verify'];
  verified?: boolean | null;
  /** A digest rings when any change in it would. */
  digest?: { messages: readonly SoundSource[] } | null;
}

/** Whether `n` should make a sound for a notifier whose `sound` list is `soundOn` (absent: default). */
export function wantsSound(n: SoundSource, soundOn: readonly SoundOn[] = DEFAULT_SOUND_ON): boolean {
  if (n.digest && n.digest.messages.length > 0) return n.digest.messages.some((m) => wantsSound(m, soundOn));
  const on = new Set<string>(soundOn);
  if (on.has(n.state)) return true;
  if (typeof n.reason === 'string' && on.has(n.reason)) return true;
  const completion = n.state === 'done' || (n.state === 'idle' && n.reason === TURN_END);
  return completion && on.has(VERIFY_FAILED) && verifyOutcome(n) === 'failed';
}
