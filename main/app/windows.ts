// The app's windows: the dashboard and peek views (the bridge's renderer, loaded from the bridge; the
// token comes from the preload, never in a URL) and the settings page (a local file). One window per
// purpose, focused when it exists.
import { BrowserWindow, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { pathToFileURL } from 'node:url';
import { clickUrl, type ClickTarget } from '../common/notifyClick.js';
import type { Result } from '../common/result.js';
import type { WindowKind } from '../common/ipc.js';
import { validateName } from '../common/workcell.js';
import type { IpcSender } from './ipcPolicy.js';
import { webPreferences } from './security.js';
import { dashboardPageUrl, peekUrl, type Trusted } from './urlPolicy.js';

export interface WindowPaths {
  /** dist/preload/preload.cjs (bundled CJS: sandboxed preloads cannot load ESM). */
  preload: string;
  /** dist/renderer/settings.html */
  settingsHtml: string;
  /** assets/icon-256.png (Linux and Windows window icon). */
  icon: string;
}

export const WINDOW_SIZES = {
  // Room for the list and the detail pane side by side at the dashboard's two-column breakpoint.
  dashboard: { width: 1200, height: 780 },
  // 80x24 cells at the default font plus chrome; the peek view scales its font to the tmux window.
  peek: { width: 900, height: 560 },
  settings: { width: 720, height: 760 },
} as const;

export class WindowManager {
  private dashboard: BrowserWindow | null = null;
  private settings: BrowserWindow | null = null;
  private readonly peeks = new Map<string, BrowserWindow>();
  private readonly settingsUrl: string;

  constructor(
    private readonly paths: WindowPaths,
    /** http://127.0.0.1:PORT of the bridge, null before it is up. */
    private readonly bridgeUrl: () => string | null,
  ) {
    this.settingsUrl = pathToFileURL(paths.settingsHtml).href;
  }

  /** Where our windows may be: the bridge origin and the settings page (urlPolicy). */
  trusted(bridgeOrigin: string | null): Trusted {
    return { bridgeOrigin, pages: [this.settingsUrl] };
  }

  /** Which of our windows owns these web contents (null: not one we created). */
  kindOf(contents: WebContents): WindowKind | null {
    const is = (w: BrowserWindow | null): boolean =>
      w !== null && !w.isDestroyed() && w.webContents.id === contents.id;
    if (is(this.dashboard)) return 'dashboard';
    if (is(this.settings)) return 'settings';
    for (const w of this.peeks.values()) if (is(w)) return 'peek';
    return null;
  }

  /** The IPC sender check's input (ipcPolicy.ts decides): which window, and where its frame is. */
  sender(event: IpcMainInvokeEvent): IpcSender {
    return { kind: this.kindOf(event.sender), frameUrl: event.senderFrame?.url ?? '' };
  }

  private create(title: string, size: { width: number; height: number }): BrowserWindow {
    const win = new BrowserWindow({
      title,
      ...size,
      show: false,
      icon: this.paths.icon,
      autoHideMenuBar: true,
      webPreferences: webPreferences(this.paths.preload),
    });
    win.once('ready-to-show', () => win.show());
    return win;
  }

  private focus(win: BrowserWindow): void {
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }

  /** The dashboard, on a workcell's detail when `target` names one (a notification's click). */
  openDashboard(target: ClickTarget = { kind: 'dashboard' }): void {
    const origin = this.bridgeUrl();
    const open = this.dashboard && !this.dashboard.isDestroyed() ? this.dashboard : null;
    if (open) {
      this.focus(open);
      // Same page, another fragment: the dashboard follows the hashchange without a reload.
      if (origin && target.kind === 'detail') void open.loadURL(clickUrl(origin, target));
      return;
    }
    if (!origin) return;
    const win = this.create('Session Supervisor', WINDOW_SIZES.dashboard);
    win.on('closed', () => (this.dashboard = null));
    this.dashboard = win;
    void win.loadURL(target.kind === 'detail' ? clickUrl(origin, target) : dashboardPageUrl(origin));
  }

  openPeek(name: string): Result<null> {
    const bad = validateName(name);
    if (bad) return { ok: false, error: { code: 'BAD_NAME', message: bad.message } };
    const existing = this.peeks.get(name);
    if (existing && !existing.isDestroyed()) {
      this.focus(existing);
      return { ok: true, value: null };
    }
    const url = this.bridgeUrl();
    if (!url) return { ok: true, value: null };
    const win = this.create(`Peek: ${name}`, WINDOW_SIZES.peek);
    win.on('closed', () => this.peeks.delete(name));
    this.peeks.set(name, win);
    void win.loadURL(peekUrl(url, name));
    return { ok: true, value: null };
  }

  openSettings(): void {
    if (this.settings && !this.settings.isDestroyed()) return this.focus(this.settings);
    const win = this.create('Settings', WINDOW_SIZES.settings);
    win.on('closed', () => (this.settings = null));
    this.settings = win;
    void win.loadURL(this.settingsUrl);
  }

  closeAll(): void {
    for (const w of [this.dashboard, this.settings, ...this.peeks.values()])
      if (w && !w.isDestroyed()) w.destroy();
  }
}
