// The only bridge between a window and the main process: a fixed set of invoke calls, typed from the
// channel map in main/common/ipc.ts. No logic, no Node, no raw ipcRenderer handed to the page
// (Electron's checklist: never expose ipcRenderer itself). Bundled to CJS for the sandboxed preload;
// typechecked by tsconfig.preload.json, so a method that disagrees with the map fails the build.
import { contextBridge, ipcRenderer } from 'electron';
import {
  APP_API_KEY,
  APP_API_METHODS as M,
  type IpcArgs,
  type IpcChannel,
  type IpcReturn,
  type WorkcellAppApi,
} from '../main/common/ipc.js';

const invoke = <C extends IpcChannel>(channel: C, ...args: IpcArgs<C>): Promise<IpcReturn<C>> =>
  ipcRenderer.invoke(channel, ...args) as Promise<IpcReturn<C>>;

const api: WorkcellAppApi = {
  isElectron: true,
  getBridge: () => invoke(M.getBridge),
  openInTerminal: (name) => invoke(M.openInTerminal, name),
  openPeek: (name) => invoke(M.openPeek, name),
  openSettings: () => invoke(M.openSettings),
  getSettings: () => invoke(M.getSettings),
  saveSettings: (patch) => invoke(M.saveSettings, patch),
};

contextBridge.exposeInMainWorld(APP_API_KEY, api);
