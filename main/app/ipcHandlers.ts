// ipcMain handlers, typed from the channel map in main/common/ipc.ts (Hyper's idea) and guarded by a
// sender check (Fiddle's ipc.ts idea, decided in ipcPolicy.ts): a call from a window the channel is
// not open to (IPC_ACCESS), or from a frame that is not at that window's page, is dropped.
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { IpcArgs, IpcChannel, IpcReturn } from '../common/ipc.js';
import { ipcRefusal, type IpcSender } from './ipcPolicy.js';
import type { Trusted } from './urlPolicy.js';

export type Handlers = { [C in IpcChannel]: (...args: IpcArgs<C>) => Promise<IpcReturn<C>> | IpcReturn<C> };

export interface SenderCheck {
  /** Which of our windows made the call, and from which frame URL (WindowManager.sender). */
  sender(event: IpcMainInvokeEvent): IpcSender;
  /** Where our windows may be right now (WindowManager.trusted). */
  trusted(): Trusted;
  log(line: string): void;
}

export function registerHandlers(handlers: Handlers, check: SenderCheck): () => void {
  const channels = Object.keys(handlers) as IpcChannel[];
  for (const channel of channels) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      const sender = check.sender(event);
      const refused = ipcRefusal(channel, sender, check.trusted());
      if (refused) {
        check.log(
          `dropped IPC ${channel} from ${sender.frameUrl.split('?')[0] || 'a destroyed frame'}: ${refused}`,
        );
        // Rejects the invoke in the calling page; nothing else learns about it.
        throw new Error('untrusted sender');
      }
      const fn = handlers[channel] as (...a: unknown[]) => unknown;
      return fn(...args);
    });
  }
  return () => channels.forEach((c) => ipcMain.removeHandler(c));
}
