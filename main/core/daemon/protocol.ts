// Frames on daemon/daemon.sock, one JSON object per line each way. Any viewer line the daemon does
// not know (e.g. the plain `poke` of older viewers) asks for a reconcile now.
import { KEYCHAIN_ENV_PREFIX } from '../../common/ipc.js';
import type { NotifyMessage, StateChange } from '../../common/notify.js';
import type { ResourceSnapshot } from '../../common/resources.js';

export type DaemonFrame =
  | { type: 'hello'; pid: number; home: string }
  | { type: 'state'; change: StateChange }
  | { type: 'log'; line: string }
  | { type: 'fleet' }
  | { type: 'bye'; why: string }
  /** To the viewer that asked to show desktop notifications (the tray app): show this, then ack. */
  | { type: 'notify'; id: number; msg: NotifyMessage }
  /** To viewers watching resources: each sample (and the latest one when they start watching). */
  | { type: 'resources'; snapshot: ResourceSnapshot };

/** What viewers send the daemon. */
export type ViewerFrame =
  | { type: 'poke' }
  /** "I show desktop notifications": the tray app, whose bubbles open the peek on click. */
  | { type: 'desktop' }
  | { type: 'ack'; id: number; ok: boolean; error?: string }
  /** The tray app's keychain secrets (names WORKCELL_KEYCHAIN_*), so the daemon can send to Slack or
   * Telegram with them while the app is closed. Replaces what an earlier frame handed over. */
  | { type: 'keychain'; secrets: Record<string, string> }
  /** "I show per-workcell CPU and memory" (renewed within the sampler's lease, 15 s), or "no longer"
   * (watch false). The daemon samples only while some viewer watches (housekeeping/resourceSampler.ts). */
  | { type: 'resources'; watch: boolean };

// A keychain frame holds at most this many secrets of at most this size (a token or a webhook URL).
const KEYCHAIN_LIMITS = { count: 64, bytes: 8192 } as const;

export function parseViewerFrame(line: string): ViewerFrame {
  try {
    const f = JSON.parse(line) as Partial<ViewerFrame> | null;
    if (f?.type === 'desktop') return { type: 'desktop' };
    if (f?.type === 'resources') return { type: 'resources', watch: f.watch !== false };
    if (f?.type === 'ack' && typeof f.id === 'number')
      return {
        type: 'ack',
        id: f.id,
        ok: f.ok === true,
        ...(typeof f.error === 'string' ? { error: f.error.slice(0, 500) } : {}),
      };
    if (f?.type === 'keychain' && f.secrets && typeof f.secrets === 'object') {
      const entries = Object.entries(f.secrets as Record<string, unknown>)
        .filter(
          (e): e is [string, string] =>
            e[0].startsWith(KEYCHAIN_ENV_PREFIX) &&
            typeof e[1] === 'string' &&
            e[1].length > 0 &&
            e[1].length <= KEYCHAIN_LIMITS.bytes,
        )
        .slice(0, KEYCHAIN_LIMITS.count);
      return { type: 'keychain', secrets: Object.fromEntries(entries) };
    }
  } catch {
    // `poke` or a torn line: either way, look now
  }
  return { type: 'poke' };
}
