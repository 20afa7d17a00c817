// The one map of every IPC channel between the Electron main process and its windows (Hyper's
// typings/common.d.ts idea): a new call touches this map, IPC_ACCESS, APP_API_METHODS and one handler
// in main/app/main.ts, and both the preload and the renderer are typed from it. Pure types and
// constants.
//
// The renderer talks to the supervisor through the bridge (HTTP + WS), the same in a browser and in
// Electron, so this API stays small: where the bridge is, the user's own terminal, windows, settings.
import type { SoundOn } from './notifySound.js';
import type { Result } from './result.js';
import type { NotifyOn } from './notify.js';

/** Expected failures cross IPC as values, never as rejected promises (STYLE.md). */
export type IpcResult<T> = Result<T>;

export interface BridgeInfo {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  /** Per-launch random token every bridge request and WebSocket upgrade must carry (DESIGN.md §5). */
  token: string;
}

/** Secrets the settings window can store through safeStorage; settings.json only holds a reference. */
export const SECRET_FIELDS = {
  slack: 'url',
  telegram: 'token',
  webhook: 'url',
} as const satisfies Record<string, string>;
export type SecretNotifierType = keyof typeof SECRET_FIELDS;

/** settings.json refers to a secret the app keeps (encrypted with safeStorage in secrets.enc.json) as
 * `{ "env": "WORKCELL_KEYCHAIN_<ID>" }`: valid for the core's schema today, filled in by the app for the
 * supervisor it runs, and for headless use (`workcell watch`) the user can export that variable. */
export const KEYCHAIN_ENV_PREFIX = 'WORKCELL_KEYCHAIN_';

/** A notifier as the settings window edits it: type, subscribed states and its plain fields. Secret
 * fields never reach the renderer: only whether one is set. */
export interface NotifierView {
  type: string;
  on: NotifyOn[];
  /** Non-secret string fields (chatId, apiBase, argv joined by newlines for `command`). */
  fields: Record<string, string>;
  /** For slack/telegram/webhook: a secret is stored (in the keychain, an env var or a file). */
  secretSet: boolean;
  /** Where that secret lives, for display: 'keychain' | 'env VAR' | 'file PATH' | 'inline' | ''. */
  secretSource: string;
  /** desktop: which notifications make a sound (the setting, or the default when it has none). */
  sound?: SoundOn[];
}

export interface SettingsView {
  /** $WORKCELLS_HOME/settings.json, shown so the user knows the CLI reads the same file. */
  path: string;
  notifiers: NotifierView[];
  thresholds: { idleSeconds: number; stallSeconds: number };
  /** Empty: the per-OS default. Otherwise argv with one `{cmd}` (or `{script}`) element. */
  terminalArgv: string[];
  /** Ready-made argv for this OS (the settings window offers them). */
  terminalPresets: { label: string; argv: string[] }[];
  /** What "Open in my terminal" would run right now, for display. */
  terminalPreview: string;
  launchAtLogin: boolean;
  /** settings.json "attachPrefix": the workcells' tmux prefix key; '' when unset (C-b). */
  attachPrefix: string;
  /** null when secrets can be stored; otherwise the warning the settings window shows. */
  secretsWarning: string | null;
  /** A broken settings.json is shown, never a crash. */
  loadError: string | null;
}

/** One notifier row as the settings window sends it back, index-aligned with `SettingsView.notifiers`
 * (a row whose type is unchanged keeps what the window does not edit: its name, webhook headers). */
export interface NotifierPatch {
  type: string;
  on: NotifyOn[];
  fields: Record<string, string>;
  /** A new secret (webhook URL, bot token): stored encrypted by the app, never written to settings.json. */
  secret?: string;
  /** Forget the stored secret (the notifier then needs a new one before it can be saved). */
  clearSecret?: boolean;
  /** desktop: which notifications make a sound; absent keeps what settings.json has. */
  sound?: SoundOn[];
}

/** What the settings window sends back. */
export interface SettingsPatch {
  notifiers?: NotifierPatch[];
  thresholds?: { idleSeconds: number; stallSeconds: number };
  terminalArgv?: string[];
  launchAtLogin?: boolean;
  /** The workcells' tmux prefix key ("C-a"); '' removes it (back to C-b). Checked by settingsModel. */
  attachPrefix?: string;
}

/** The app's windows, by purpose. The IPC sender check knows which one called (main/app/windows.ts). */
export const WINDOW_KINDS = ['dashboard', 'peek', 'settings'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

/** channel -> argument tuple and result. Every channel is `ipcRenderer.invoke`/`ipcMain.handle`. */
export interface IpcChannels {
  'app:getBridge': { args: []; result: BridgeInfo };
  'app:openInTerminal': { args: [name: string]; result: IpcResult<null> };
  'app:openPeek': { args: [name: string]; result: IpcResult<null> };
  'app:openSettings': { args: []; result: IpcResult<null> };
  'settings:get': { args: []; result: SettingsView };
  'settings:save': { args: [patch: SettingsPatch]; result: IpcResult<SettingsView> };
}
export type IpcChannel = keyof IpcChannels;
export type IpcArgs<C extends IpcChannel> = IpcChannels[C]['args'];
export type IpcReturn<C extends IpcChannel> = IpcChannels[C]['result'];

/** Which windows may call each channel; any other caller is dropped by the sender check. A new
 * channel does not compile until it is listed here. The bridge token goes only to the windows that
 * talk to the bridge; settings (and secrets) only to the settings window. */
export const IPC_ACCESS = {
  'app:getBridge': ['dashboard', 'peek'],
  'app:openInTerminal': ['dashboard', 'peek'],
  'app:openPeek': ['dashboard'],
  'app:openSettings': ['dashboard'],
  'settings:get': ['settings'],
  'settings:save': ['settings'],
} as const satisfies Record<IpcChannel, readonly WindowKind[]>;

export const IPC_CHANNELS = Object.keys(IPC_ACCESS) as IpcChannel[];

/** Preload method -> channel: `window.workcellApp` is typed from this and the channel map, so the
 * preload and the renderer cannot disagree on a name, an argument or a result. */
export const APP_API_METHODS = {
  getBridge: 'app:getBridge',
  openInTerminal: 'app:openInTerminal',
  openPeek: 'app:openPeek',
  openSettings: 'app:openSettings',
  getSettings: 'settings:get',
  saveSettings: 'settings:save',
} as const satisfies Record<string, IpcChannel>;
type AppApiMethods = typeof APP_API_METHODS;

/** `window.workcellApp`, exposed by preload/preload.ts in Electron; absent in a plain browser
 * (`workcell ui`), so renderer code checks for it and falls back to the bridge alone. A method called
 * from a window its channel is not open to (IPC_ACCESS) rejects. */
export type WorkcellAppApi = { readonly isElectron: true } & {
  readonly [M in keyof AppApiMethods]: (
    ...args: IpcArgs<AppApiMethods[M]>
  ) => Promise<IpcReturn<AppApiMethods[M]>>;
};

/** The key on `window` (contextBridge.exposeInMainWorld). */
export const APP_API_KEY = 'workcellApp';
