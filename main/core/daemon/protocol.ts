// Frames on daemon/daemon.sock, one JSON object per line each way. Any viewer line the daemon does
// not know (e.g. the plain `poke` of older viewers) asks for a reconcile now.
import type { NotifyMessage, StateChange } from '../../common/notify.js';

export type DaemonFrame =
  | { type: 'hello'; pid: number; home: string }
  | { type: 'state'; change: StateChange }
  | { type: 'log'; line: string }
  | { type: 'fleet' }
  | { type: 'bye'; why: string }
  /** To the viewer that asked to show desktop notifications (the tray app): show this, then ack. */
  | { type: 'notify'; id: number; msg: NotifyMessage };

/** What viewers send the daemon. */
export type ViewerFrame =
  | { type: 'poke' }
  /** "I show desktop notifications": the tray app, whose bubbles open the peek on click. */
  | { type: 'desktop' }
  | { type: 'ack'; id: number; ok: boolean; error?: string };

export function parseViewerFrame(line: string): ViewerFrame {
  try {
    const f = JSON.parse(line) as Partial<ViewerFrame> | null;
    if (f?.type === 'desktop') return { type: 'desktop' };
    if (f?.type === 'ack' && typeof f.id === 'number')
      return {
        type: 'ack',
        id: f.id,
        ok: f.ok === true,
        ...(typeof f.error === 'string' ? { error: f.error.slice(0, 500) } : {}),
      };
  } catch {
    // `poke` or a torn line: either way, look now
  }
  return { type: 'poke' };
}
