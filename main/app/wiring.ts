// The one place main/app calls into main/core: the engine, the supervisor and the bridge. Everything
// else in main/app sees only `AppCore`, so a change in the core's API touches this file alone.
import { readFileSync } from 'node:fs';
import type { BridgeResult, FleetNotices, FleetSource } from '../common/bridge.js';
import { KEYCHAIN_ENV_PREFIX, type IpcResult } from '../common/ipc.js';
import type { Result } from '../common/result.js';
import type { DesktopNotifierSettings, Settings } from '../common/settings.js';
import { isEnded, type WorkcellSummary } from '../common/workcell.js';
import { startBridge } from '../core/bridge/server.js';
import { fleetNotices } from '../core/bridge/fleetNotices.js';
import { listLoops } from '../core/bridge/loopsApi.js';
import { listPipelines } from '../core/bridge/pipelinesApi.js';
import type { RunsSnapshot } from './trayRuns.js';
import { Engine } from '../core/engine.js';
import { RunsDirFleetSource } from '../core/bridge/runsDirFleetSource.js';
import { DaemonViewer, ensureDaemon } from '../core/daemon/client.js';
import { RemoteResourceFeed } from '../core/daemon/resourceFeed.js';
import type { ResourceFeed } from '../core/housekeeping/resourceSampler.js';
import { Tmux } from '../core/tmux.js';
import { makeSecretResolver } from '../core/notify/secrets.js';
import { settingsSecretEnvNames } from '../core/agentEnv.js';
import type { NotifierFactory } from '../core/notify/types.js';
import type { ControlDir } from '../core/paths.js';
import { loadSettings } from '../core/settings.js';
import { Supervisor } from '../core/supervisor/supervisor.js';

export interface AppCore {
  /** The windows load `url` (no token in any URL or argv); the preload hands them the token. */
  bridge: { url: string; token: string };
  /** What the supervisor runs on; "Open in my terminal" needs its socket and tmux binary. */
  engine: Engine;
  /** Calls back with the whole fleet on every change (and once at start). Returns unsubscribe. */
  onChange(cb: (list: WorkcellSummary[], notices: FleetNotices) => void): () => void;
  /** Calls back with the loops and pipelines (the dashboard's readers) when they change. Returns stop. */
  onRuns(cb: (runs: RunsSnapshot) => void): () => void;
  kill(name: string): Promise<IpcResult<null>>;
  resume(name: string): Promise<IpcResult<null>>;
  /** A parked workcell: resume it now, or cancel its scheduled resume (core/recovery/manual.ts). */
  recover(name: string, action: 'now' | 'cancel'): Promise<IpcResult<null>>;
  /** Per-workcell CPU and memory, sampled while a viewer holds a lease (the tray: its menu open);
   * null where nothing samples them (no supervisor reachable). */
  resources: ResourceFeed | null;
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

/** Loop and pipeline runners write their state files without a workcell changing (a verdict, a stage
 * ending), so the tray reads them on a timer: a few small JSON files, and a menu rebuilt only when
 * they changed. 10 s: an iteration takes minutes; the menu's ages refresh every 30 s anyway. */
const RUNS_POLL_MS = 10_000;

const toIpc = (r: BridgeResult<unknown>): IpcResult<null> => (r.ok ? { ok: true, value: null } : r);

/** The app's keychain secrets that settings.json names, decrypted, for the daemon (see handOverKeychain). */
function keychainSecrets(o: CoreOptions): Record<string, string> {
  let text = '';
  try {
    text = readFileSync(o.dir.settings, 'utf8');
  } catch {
    // no settings yet: nothing to hand over
  }
  const out: Record<string, string> = {};
  for (const name of settingsSecretEnvNames(text)) {
    if (!name.startsWith(KEYCHAIN_ENV_PREFIX)) continue;
    const value = o.keychain(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

/** A daemon that leads (now, or after the app quits) sends to Slack/Telegram with the secrets the app
 * keeps in its keychain, which only the app can decrypt: the app hands them over its 0600 socket. */
async function handOverToDaemon(o: CoreOptions): Promise<void> {
  const v = await DaemonViewer.connect(o.dir);
  if (!v.ok) return o.log(`could not hand the keychain secrets to the daemon: ${v.error.message}`);
  v.value.handOverKeychain(keychainSecrets(o));
  v.value.close();
}

export type CoreResult = Result<AppCore>;

/** The first desktop notifier of settings.json (its `sound` list), or a plain one. */
function desktopSettingsOf(dir: ControlDir): DesktopNotifierSettings {
  const s = loadSettings(dir);
  const d = s.ok ? s.value.notifiers.find((n) => n.type === 'desktop') : undefined;
  return d?.type === 'desktop' ? d : { type: 'desktop', on: [] };
}

/** The app leads when no supervisor watches this home (its notifications are Electron's, so a click
 * opens the peek); when the daemon already leads, the app is one of its viewers and shows the daemon's
 * desktop notifications for it (still Electron's, still opening the peek on click). Either way there is one writer of state. An app that led and quits while
 * workcells are live hands over to a daemon, so nothing goes unwatched. */
export async function startCore(o: CoreOptions): Promise<CoreResult> {
  const started = await Supervisor.start({
    dir: o.dir,
    factories: { desktop: o.desktop },
    keychain: o.keychain,
    log: o.log,
  });
  if (started.ok)
    return serve(o, started.value.engine, started.value, started.value, started.value.resources, async () => {
      const live = started.value.snapshot().some((w) => !isEnded(w.state));
      await started.value.stop();
      if (live && (await ensureDaemon(o.dir)).ok) await handOverToDaemon(o);
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
    // Built per message from the current settings.json, so a sound setting saved meanwhile applies.
    void viewer.value.showDesktop((msg) =>
      o.desktop(desktopSettingsOf(o.dir), ctx).send(msg, new AbortController().signal),
    );
    viewer.value.handOverKeychain(keychainSecrets(o));
  }
  const fleet = new RunsDirFleetSource(engine);
  return serve(
    o,
    engine,
    fleet,
    null,
    viewer.ok ? new RemoteResourceFeed(viewer.value) : null,
    async () => {
      if (viewer.ok) viewer.value.close();
    },
    // A secret just stored in Settings reaches the daemon with the settings that name it.
    () => viewer.ok && viewer.value.handOverKeychain(keychainSecrets(o)),
  );
}

async function serve(
  o: CoreOptions,
  engine: Engine,
  fleet: FleetSource,
  sup: Supervisor | null,
  resources: ResourceFeed | null,
  stopCore: () => Promise<void>,
  onViewerSettings: () => void = () => undefined,
): Promise<CoreResult> {
  const bridge = await startBridge({
    notices: (list) => fleetNotices(o.dir, list),
    engine,
    fleet,
    host: '127.0.0.1',
    port: 0,
    staticDir: o.staticDir,
    log: o.log,
    ...(resources ? { resources } : {}),
  });
  return {
    ok: true,
    value: {
      bridge: { url: bridge.url, token: bridge.token },
      engine,
      resources,
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
      onRuns(cb) {
        let last = '';
        const poll = async (): Promise<void> => {
          const runs: RunsSnapshot = { loops: await listLoops(o.dir), pipelines: await listPipelines(o.dir) };
          const text = JSON.stringify(runs);
          if (text !== last) cb(runs);
          last = text;
        };
        const tick = () =>
          void poll().catch((e: unknown) => o.log(`reading loops and pipelines failed: ${String(e)}`));
        const timer = setInterval(tick, RUNS_POLL_MS);
        tick();
        return () => clearInterval(timer);
      },
      async kill(name) {
        return toIpc(await engine.kill(name));
      },
      async resume(name) {
        const r = toIpc(await engine.resume(name));
        if (r.ok && !sup) await ensureDaemon(o.dir);
        return r;
      },
      async recover(name, action) {
        const { cancelRecovery, recoverNow } = await import('../core/recovery/manual.js');
        return toIpc(action === 'now' ? await recoverNow(engine, name) : await cancelRecovery(engine, name));
      },
      // A viewer's settings reach the daemon through settings.json, which it watches.
      updateSettings: (settings) => (sup ? sup.updateSettings(settings) : onViewerSettings()),
      async stop() {
        await bridge.close();
        await stopCore();
      },
    },
  };
}
