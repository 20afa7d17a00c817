// The one place main/app calls into main/core: the engine, the supervisor and the bridge. Everything
// else in main/app sees only `AppCore`, so a change in the core's API touches this file alone.
import type { BridgeResult, FleetNotices, FleetSource } from '../common/bridge.js';
import { KEYCHAIN_ENV_PREFIX, type IpcResult } from '../common/ipc.js';
import type { Result } from '../common/result.js';
import type { DesktopNotifierSettings, Settings } from '../common/settings.js';
import { isEnded, type WorkcellSummary } from '../common/workcell.js';
import { startBridge } from '../core/bridge/server.js';
import { fleetNotices } from '../core/bridge/fleetNotices.js';
import { Engine } from '../core/engine.js';
import { RunsDirFleetSource } from '../core/bridge/runsDirFleetSource.js';
import { DaemonViewer, ensureDaemon } from '../core/daemon/client.js';
import { Tmux } from '../core/tmux.js';
import { DEFAULT_FACTORIES } from '../core/notify/registry.js';
import { makeSecretResolver, type SecretResolver } from '../core/notify/secrets.js';
import type { NotifierContext, NotifierFactories, NotifierFactory } from '../core/notify/types.js';
import type { ControlDir } from '../core/paths.js';
import { Supervisor } from '../core/supervisor/supervisor.js';

export interface AppCore {
  bridge: { url: string; token: string; launchUrl: string };
  /** What the supervisor runs on; "Open in my terminal" needs its socket and tmux binary. */
  engine: Engine;
  /** Calls back with the whole fleet on every change (and once at start). Returns unsubscribe. */
  onChange(cb: (list: WorkcellSummary[], notices: FleetNotices) => void): () => void;
  kill(name: string): Promise<IpcResult<null>>;
  resume(name: string): Promise<IpcResult<null>>;
  /** Settings saved by the settings window: applied to later notifications without a restart. */
  updateSettings(settings: Settings): void;
  stop(): Promise<void>;
}

export interface CoreOptions {
  dir: ControlDir;
  /** dist/renderer, served by the bridge. */
  staticDir: string;
  desktop: NotifierFactory<DesktopNotifierSettings>;
  /** Decrypts a secret the app stored (settings.json holds `{ "env": "WORKCELL_KEYCHAIN_<ID>" }`). */
  keychain: (envName: string) => string | null;
  log: (line: string) => void;
}

const toIpc = (r: BridgeResult<unknown>): IpcResult<null> => (r.ok ? { ok: true, value: null } : r);

/** The core's resolver, plus the app's keychain: `{ "env": "WORKCELL_KEYCHAIN_<ID>" }` is looked up in
 * secrets.enc.json (decrypted at send time, so a secret stored a moment ago works) and never placed in
 * any process environment, where agents started by the supervisor would inherit it. */
function withKeychain(base: SecretResolver, keychain: CoreOptions['keychain']): SecretResolver {
  return {
    redactor: base.redactor,
    async resolve(secret, field) {
      if (
        typeof secret === 'object' &&
        'env' in secret &&
        secret.env.startsWith(KEYCHAIN_ENV_PREFIX) &&
        !process.env[secret.env]
      ) {
        const value = keychain(secret.env);
        if (value === null)
          return {
            ok: false,
            error: `${field}: the secret stored by the desktop app is gone or unreadable: set it again in Settings`,
          };
        base.redactor.add(value);
        return { ok: true, value };
      }
      return base.resolve(secret, field);
    },
  };
}

/** Every adapter gets the keychain-aware resolver; `desktop` is Electron's. */
function appFactories(o: CoreOptions): Partial<NotifierFactories> {
  const ctx = (c: NotifierContext): NotifierContext => ({
    ...c,
    secrets: withKeychain(c.secrets, o.keychain),
  });
  return {
    desktop: o.desktop,
    slack: (s, c) => DEFAULT_FACTORIES.slack(s, ctx(c)),
    telegram: (s, c) => DEFAULT_FACTORIES.telegram(s, ctx(c)),
    webhook: (s, c) => DEFAULT_FACTORIES.webhook(s, ctx(c)),
  };
}

export type CoreResult = Result<AppCore>;

/** The app leads when no supervisor watches this home (its notifications are Electron's, so a click
 * opens the peek); when the daemon already leads, the app is one of its viewers and shows the daemon's
 * desktop notifications for it (still Electron's, still opening the peek on click). Either way there is one writer of state. An app that led and quits while
 * workcells are live hands over to a daemon, so nothing goes unwatched. */
export async function startCore(o: CoreOptions): Promise<CoreResult> {
  const started = await Supervisor.start({ dir: o.dir, factories: appFactories(o), log: o.log });
  if (started.ok)
    return serve(o, started.value.engine, started.value, started.value, async () => {
      const live = started.value.snapshot().some((w) => !isEnded(w.state));
      await started.value.stop();
      if (live) await ensureDaemon(o.dir);
    });
  if (started.error.code !== 'STILL_RUNNING') return started;
  o.log(`${started.error.message}; the app shows it`);
  const engine = new Engine(o.dir, new Tmux(o.dir.socket, o.dir.tmuxConf));
  const viewer = await DaemonViewer.connect(o.dir);
  if (viewer.ok) {
    // The daemon stays the one sender; the app shows its desktop notifications, so a click still opens
    // the peek. The daemon falls back to notify-send when the app does not answer.
    const ctx = {
      env: process.env,
      platform: process.platform,
      secrets: makeSecretResolver(process.env, o.dir.root),
    };
    const desktop = o.desktop({ type: 'desktop', on: [] }, ctx);
    viewer.value.showDesktop((msg) => desktop.send(msg, new AbortController().signal));
  }
  const fleet = new RunsDirFleetSource(engine);
  return serve(o, engine, fleet, null, async () => {
    if (viewer.ok) viewer.value.close();
  });
}

async function serve(
  o: CoreOptions,
  engine: Engine,
  fleet: FleetSource,
  sup: Supervisor | null,
  stopCore: () => Promise<void>,
): Promise<CoreResult> {
  const bridge = await startBridge({
    notices: (list) => fleetNotices(o.dir, list),
    engine,
    fleet,
    host: '127.0.0.1',
    port: 0,
    staticDir: o.staticDir,
    log: o.log,
  });
  return {
    ok: true,
    value: {
      bridge: { url: bridge.url, token: bridge.token, launchUrl: bridge.launchUrl },
      engine,
      onChange(cb) {
        const push = async (): Promise<void> => {
          const r = await fleet.list();
          if (!r.ok) return o.log(`listing workcells failed: ${r.error.message}`);
          cb(r.value, await fleetNotices(o.dir, r.value));
        };
        const unsubscribe = fleet.subscribe(() => void push());
        void push();
        return unsubscribe;
      },
      async kill(name) {
        return toIpc(await engine.kill(name));
      },
      async resume(name) {
        const r = toIpc(await engine.resume(name));
        if (r.ok && !sup) await ensureDaemon(o.dir);
        return r;
      },
      // A viewer's settings reach the daemon through settings.json, which it watches.
      updateSettings: (settings) => sup?.updateSettings(settings),
      async stop() {
        await bridge.close();
        await stopCore();
      },
    },
  };
}
