// ipcMain handlers, typed from the channel map in main/common/ipc.ts (Hyper's idea) and guarded by a
// sender check (Fiddle's ipc.ts idea): a frame that is not one of our windows at a trusted URL is dropped.
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { IpcArgs, IpcChannel, IpcReturn } from '../common/ipc.js';

export type Handlers = { [C in IpcChannel]: (...args: IpcArgs<C>) => Promise<IpcReturn<C>> | IpcReturn<C> };

export interface SenderCheck {
  isOurs(event: IpcMainInvokeEvent): boolean;
  log(line: string): void;
}

export function registerHandlers(handlers: Handlers, check: SenderCheck): () => void {
  const channels = Object.keys(handlers) as IpcChannel[];
  for (const channel of channels) {
    ipcMain.handle(channel, (event, ...args: unknown[]) => {
      if (!check.isOurs(event)) {
        check.log(`dropped IPC ${channel} from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
        // Rejects the invoke in the untrusted page; nothing else learns about it.
        throw new Error('untrusted sender');
      }
      const fn = handlers[channel] as (...a: unknown[]) => unknown;
      return fn(...args);
    });
  }
  return () => channels.forEach((c) => ipcMain.removeHandler(c));
}
