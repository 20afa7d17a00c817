// The one place main/app calls into main/core: the engine, the supervisor and the bridge. Everything
// else in main/app sees only `AppCore`, so a change in the core's API touches this file alone.
import type { BridgeResult } from '../common/bridge.js';
import { KEYCHAIN_ENV_PREFIX, type IpcResult } from '../common/ipc.js';
import type { Result } from '../common/result.js';
import type { DesktopNotifierSettings, Settings } from '../common/settings.js';
import type { WorkcellSummary } from '../common/workcell.js';
import { startBridge } from '../core/bridge/server.js';
import type { Engine } from '../core/engine.js';
import { DEFAULT_FACTORIES } from '../core/notify/registry.js';
import type { SecretResolver } from '../core/notify/secrets.js';
import type { NotifierContext, NotifierFactories, NotifierFactory } from '../core/notify/types.js';
import type { ControlDir } from '../core/paths.js';
import { Supervisor } from '../core/supervisor/supervisor.js';

export interface AppCore {
  bridge: { url: string; token: string; launchUrl: string };
  /** What the supervisor runs on; "Open in my terminal" needs its socket and tmux binary. */
  engine: Engine;
  /** Calls back with the whole fleet on every change (and once at start). Returns unsubscribe. */
  onChange(cb: (list: WorkcellSummary[]) => void): () => void;
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

export async function startCore(o: CoreOptions): Promise<CoreResult> {
  const started = await Supervisor.start({ dir: o.dir, factories: appFactories(o), log: o.log });
  if (!started.ok) return started;
  const sup = started.value;
  const bridge = await startBridge({
    engine: sup.engine,
    fleet: sup,
    host: '127.0.0.1',
    port: 0,
    staticDir: o.staticDir,
    log: o.log,
  });

  return {
    ok: true,
    value: {
      bridge: { url: bridge.url, token: bridge.token, launchUrl: bridge.launchUrl },
      engine: sup.engine,
      onChange(cb) {
        const push = (list: WorkcellSummary[]): void => cb(list);
        const sub = sup.onFleet.event(push);
        void sup
          .list()
          .then((r) => (r.ok ? cb(r.value) : o.log(`listing workcells failed: ${r.error.message}`)));
        return () => sub.dispose();
      },
      async kill(name) {
        return toIpc(await sup.engine.kill(name));
      },
      async resume(name) {
        const engine = sup.engine as Engine & { resume?: (n: string) => Promise<BridgeResult<unknown>> };
        if (engine.resume) return toIpc(await engine.resume(name));
        return {
          ok: false,
          error: {
            code: 'BAD_ARGS',
            message: `resume is not available in this build: run \`workcell resume ${name}\``,
          },
        };
      },
      updateSettings: (settings) => sup.updateSettings(settings),
      async stop() {
        await bridge.close();
        await sup.stop();
      },
    },
  };
}
