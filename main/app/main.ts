// The Electron main process: one instance, the supervisor and bridge from main/core (wiring.ts), a tray,
// desktop notifications, hardened windows, settings. Thin by design (DESIGN.md §3): decisions live in
// the pure modules beside it (trayModel, notificationPolicy, terminalCommand, settingsModel, urlPolicy).
import { app, dialog, Notification } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IpcResult } from '../common/ipc.js';
import { validateName } from '../common/workcell.js';
import { quitReminder } from '../core/continuity/journal.js';
import { ControlDir } from '../core/paths.js';
import { registerHandlers } from './ipcHandlers.js';
import { desktopNotifier } from './notifications.js';
import { openInTerminal } from './openTerminal.js';
import { installHardening } from './security.js';
import { SettingsStore, safeStorageCipher } from './settingsStore.js';
import { TrayController } from './tray.js';
import { TraySeen } from './traySeen.js';
import type { TrayAction } from './trayModel.js';
import { TrayPrompts } from './trayReplies.js';
import { WindowManager } from './windows.js';
import { startCore, type AppCore } from './wiring.js';

/** The package root, from dist/main/app/main.js (the same inside app.asar). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PATHS = {
  preload: join(ROOT, 'dist/preload/preload.cjs'),
  settingsHtml: join(ROOT, 'dist/renderer/settings.html'),
  staticDir: join(ROOT, 'dist/renderer'),
  assets: join(ROOT, 'assets'),
  icon: join(ROOT, 'assets/icon-256.png'),
};
/** Autostart passes this: start in the tray without opening the dashboard. */
const HIDDEN_FLAG = '--hidden';

const log = (line: string): void => void process.stderr.write(`[session-supervisor] ${line}\n`);

function badName(name: unknown): IpcResult<null> | null {
  if (typeof name !== 'string')
    return { ok: false, error: { code: 'BAD_NAME', message: 'expected a workcell name' } };
  const bad = validateName(name);
  return bad ? { ok: false, error: bad } : null;
}

async function main(): Promise<void> {
  const dir = ControlDir.fromEnv();
  let core: AppCore | null = null;
  const windows = new WindowManager(PATHS, () => core?.bridge.url ?? null);
  installHardening(() => windows.trusted(core?.bridge.url ?? null), log);

  const settings = new SettingsStore(dir, safeStorageCipher, (s) => core?.updateSettings(s));

  const notify = (title: string, body: string): void => {
    if (Notification.isSupported()) new Notification({ title, body, icon: PATHS.icon }).show();
    else log(`${title}: ${body}`);
  };
  const terminal = (name: string): Promise<IpcResult<null>> =>
    openInTerminal(settings.load().settings.terminal?.argv, {
      name,
      socket: dir.socket,
      runDir: dir.runDir(name),
    });

  const started = await startCore({
    dir,
    staticDir: PATHS.staticDir,
    log,
    keychain: (envName) => settings.secrets.get(envName),
    desktop: desktopNotifier({
      icon: PATHS.icon,
      open: (target) => windows.openDashboard(target),
      log,
    }),
  });
  if (!started.ok) {
    // tmux missing or too old, settings.json broken, control dir not writable: the message says what to do.
    dialog.showErrorBox('Session Supervisor could not start', started.error.message);
    app.exit(1);
    return;
  }
  const running = started.value;
  core = running;
  log(`bridge at ${running.bridge.url}`);

  const act = (a: TrayAction): void => {
    const report = (what: string, r: IpcResult<null>): void => {
      if (!r.ok) notify(`${what} failed`, r.error.message);
    };
    switch (a.kind) {
      case 'dashboard':
        return windows.openDashboard();
      case 'settings':
        return windows.openSettings();
      case 'quit':
        return app.quit();
      case 'peek':
        return void windows.openPeek(a.name);
      case 'terminal':
        return void terminal(a.name).then((r) => report(`Open ${a.name} in a terminal`, r));
      case 'kill':
        return void running.kill(a.name).then((r) => report(`Kill ${a.name}`, r));
      case 'resume':
        return void running.resume(a.name).then((r) => report(`Resume ${a.name}`, r));
      case 'recover':
        return void running
          .recover(a.name, a.action)
          .then((r) =>
            report(a.action === 'now' ? `Resume ${a.name} now` : `Cancel the wait of ${a.name}`, r),
          );
      case 'reply':
        return void running.engine
          .reply(a.name, { key: a.key }, 'tray')
          .then((r) => report(`Reply to ${a.name}`, r.ok ? { ok: true, value: null } : r));
    }
  };
  const seen = TraySeen.load(dir.state, log);
  const tray = new TrayController(PATHS.assets, act, seen);
  const prompts = new TrayPrompts(async (name) => {
    const r = await running.engine.tmux.capture(name);
    return r.ok ? r.value : null;
  });
  // CPU and memory per workcell in the menu: sampled by the supervisor only while the menu is open.
  const resources = running.resources;
  if (resources) {
    tray.onMenu = (open) => (open ? resources.touch('tray') : resources.release('tray'));
    resources.subscribe((s) => tray.setResources(new Map(s.samples.map((x) => [x.name, x]))));
  }
  let lastList: Parameters<typeof tray.update>[0] = [];
  const unsubscribe = running.onChange((list, notices) => {
    lastList = list;
    // Forget endings of workcells that are gone (removed by gc), so the file stays small.
    void seen.prune(list.map((w) => w.name));
    tray.update(list, notices);
    void prompts.refresh(list).then((changed) => changed && tray.setPrompts(prompts.current));
  });
  const stopRuns = running.onRuns((runs) => tray.setRuns(runs));

  registerHandlers(
    {
      'app:getBridge': () => ({ url: running.bridge.url, token: running.bridge.token }),
      'app:openInTerminal': (name) => badName(name) ?? terminal(name),
      'app:openPeek': (name) => badName(name) ?? windows.openPeek(name),
      'app:openSettings': () => {
        windows.openSettings();
        return { ok: true, value: null };
      },
      'settings:get': () => settings.view(),
      'settings:save': (patch) => settings.save(patch),
    },
    {
      sender: (e) => windows.sender(e),
      trusted: () => windows.trusted(running.bridge.url),
      log,
    },
  );

  app.on('second-instance', () => windows.openDashboard());
  app.on('activate', () => windows.openDashboard());
  // A tray app: closing the last window keeps it (and the supervisor) running.
  app.on('window-all-closed', () => undefined);
  let stopping = false;
  app.on('before-quit', (e) => {
    if (stopping) return;
    stopping = true;
    e.preventDefault();
    // Never leave live work untracked without saying so: name it, and where it is written down.
    const reminder = quitReminder(dir, lastList, new Date());
    if (reminder) notify(reminder.title, reminder.body);
    unsubscribe();
    stopRuns();
    tray.destroy();
    windows.closeAll();
    void running.stop().finally(() => app.exit(0));
  });

  if (!process.argv.includes(HIDDEN_FLAG)) windows.openDashboard();
}

if (!app.requestSingleInstanceLock()) {
  // Another instance has the lock; it opens its dashboard on 'second-instance'.
  app.quit();
} else {
  void app.whenReady().then(main);
}
