// Which window may make which IPC call (the decision behind ipcHandlers.ts's sender check; Fiddle's
// ipc.ts drops messages whose sender is not an app window, we also check which window and where its
// frame is). Pure: tested under plain node.
import { IPC_ACCESS, type IpcChannel, type WindowKind } from '../common/ipc.js';
import { isTrustedUrl, type Trusted } from './urlPolicy.js';

export interface IpcSender {
  /** Which of our windows sent the call; null when the web contents is not one we created. */
  kind: WindowKind | null;
  /** URL of the calling frame ('' for a destroyed frame). */
  frameUrl: string;
}

/** Why a call is dropped, or null when it may go through. */
export function ipcRefusal(channel: IpcChannel, sender: IpcSender, trusted: Trusted): string | null {
  if (sender.kind === null) return 'not one of our windows';
  const allowed: readonly WindowKind[] = IPC_ACCESS[channel];
  if (!allowed.includes(sender.kind)) return `not open to the ${sender.kind} window`;
  // Each window only where it belongs: the dashboard and peeks at the bridge, settings at its page.
  // A dashboard that navigated to our settings file (or the reverse) is not trusted for either.
  const place: Trusted =
    sender.kind === 'settings'
      ? { bridgeOrigin: null, pages: trusted.pages }
      : { bridgeOrigin: trusted.bridgeOrigin, pages: [] };
  if (!isTrustedUrl(sender.frameUrl, place)) return `the ${sender.kind} window's frame is not at its page`;
  return null;
}
