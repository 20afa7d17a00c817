// The only bridge between a window and the main process: a fixed set of invoke calls, typed from the
// channel map in main/common/ipc.ts. No logic, no Node, no raw ipcRenderer handed to the page
// (Electron's checklist: never expose ipcRenderer itself). Bundled to CJS for the sandboxed preload.
import { contextBridge, ipcRenderer } from 'electron';
import {
  APP_API_KEY,
  type IpcArgs,
  type IpcChannel,
  type IpcReturn,
  type WorkcellAppApi,
} from '../main/common/ipc.js';

const invoke = <C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcReturn<C>> =>
  ipcRenderer.invoke(channel, ...args) as Promise<IpcReturn<C>>;

const api: WorkcellAppApi = {
  isElectron: true,
  getBridge: () => invoke('app:getBridge'),
  openInTerminal: (name) => invoke('app:openInTerminal', name),
  openPeek: (name) => invoke('app:openPeek', name),
  openSettings: () => invoke('app:openSettings'),
  getSettings: () => invoke('settings:get'),
  saveSettings: (patch) => invoke('settings:save', patch),
};

contextBridge.exposeInMainWorld(APP_API_KEY, api);
