// Frames the daemon sends its viewers on daemon/daemon.sock, one JSON object per line. Viewers send
// any line to ask for a reconcile now (e.g. right after `workcell start`).
import type { StateChange } from '../../common/notify.js';

export type DaemonFrame =
  | { type: 'hello'; pid: number; home: string }
  | { type: 'state'; change: StateChange }
  | { type: 'log'; line: string }
  | { type: 'fleet' }
  | { type: 'bye'; why: string };
