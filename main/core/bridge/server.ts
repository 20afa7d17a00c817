// The bridge (DESIGN.md §5): HTTP + WebSocket on 127.0.0.1, an ephemeral port, a per-launch token.
// Serves the renderer, the JSON API, live fleet frames on /events and terminals on /peek and /control.
// Node only; never imports electron, so `workcell ui`, the app and tests share it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  BRIDGE_PROTOCOL,
  type FleetFrame,
  type FleetNotices,
  type FleetSource,
} from '../../common/bridge.js';
import type { WorkcellSummary } from '../../common/workcell.js';
import { checkHost, checkRequest, newToken, type AuthPolicy } from './auth.js';
import { decodeSegment, handleApi, sendJson } from './api.js';
import type { BridgeEngine } from './engineApi.js';
import { COMMON_HEADERS, serveStatic } from './staticFiles.js';
import { REFUSAL_HEADER } from '../../common/bridge.js';
import { openTermSession, type TermSession } from './termSession.js';
import { handleSettingsApi } from './settingsApi.js';
import { loopsRoute } from './loopsApi.js';
import { pipelinesRoute } from './pipelinesApi.js';
import { resourcesRoute } from './resourcesApi.js';
import type { ResourceFeed } from '../housekeeping/resourceSampler.js';

export interface BridgeOptions {
  engine: BridgeEngine;
  fleet: FleetSource;
  /** Loopback only: the token is the only thing between the network and a writable shell. */
  host?: '127.0.0.1';
  /** 0 (default) picks a free ephemeral port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** Defaults to 32 fresh random bytes. */
  token?: string;
  /** sha256 hex of rotated tokens: a tab that still holds one is told to reopen (stableBridge.ts). */
  retiredTokens?: readonly string[];
  /** One more allowed Origin, for the Electron renderer when it loads from a file:// or app:// page. */
  extraOrigin?: string;
  /** Diagnostics (refusals, bugs); defaults to nothing. */
  log?: (line: string) => void;
  /** What is wrong with supervision (no daemon, broken settings), sent with every fleet frame. */
  notices?: (fleet: readonly WorkcellSummary[]) => Promise<FleetNotices>;
  /** Per-workcell CPU and memory (GET /api/resources); absent where no supervisor samples them. */
  resources?: ResourceFeed;
}

export interface Bridge {
  /** `http://127.0.0.1:PORT` (no token). */
  url: string;
  port: number;
  /** Hand it to a browser with `dashboardUrl()` (main/common/bridge.ts), never through any argv. */
  token: string;
  /** Live terminal sessions (for tests and the app's status). */
  sessions(): readonly TermSession[];
  close(): Promise<void>;
}

/** The path of a request target, or null when it is not a plain origin-form path (`/x?y`): an
 * absolute or `//host` form, or one the URL parser rejects. */
function requestPath(target: string | undefined): string | null {
  if (!target || !target.startsWith('/') || target.startsWith('//')) return null;
  try {
    return new URL(target, 'http://127.0.0.1').pathname;
  } catch {
    // a target no URL parser accepts: a client's mistake, answered 400
    return null;
  }
}

function refuse(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}

const STATUS_TEXT = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' } as const;

function refuseUpgrade(socket: Duplex, status: keyof typeof STATUS_TEXT): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const { engine, fleet, staticDir } = opts;
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const log = opts.log ?? (() => undefined);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  const policy: AuthPolicy = {
    token,
    host: `${host}:${port}`,
    origins: opts.extraOrigin ? [url, opts.extraOrigin] : [url],
    retired: opts.retiredTokens ?? [],
  };

  const sessions = new Set<TermSession>();
  const eventClients = new Set<WebSocket>();
  const wss = new WebSocketServer({
    noServer: true,
    // Echo only our protocol name, never the token protocol the client also offered.
    handleProtocols: (protocols) => (protocols.has(BRIDGE_PROTOCOL) ? BRIDGE_PROTOCOL : false),
    // Terminal input and acks are tiny; a megabyte frame is a bug or an attack.
    maxPayload: 1_048_576,
  });

  // Fleet frames: one listing per change whatever the number of dashboards; identical lists are not
  // re-sent (the fallback watcher re-lists every 2 s).
  let lastPayload = '';
  let listing = false;
  let dirty = false;
  const broadcast = async (): Promise<void> => {
    if (listing) return void (dirty = true);
    listing = true;
    try {
      do {
        dirty = false;
        const r = await fleet.list();
        const frame: FleetFrame = r.ok
          ? {
              type: 'fleet',
              workcells: r.value,
              at: '',
              ...(opts.notices ? { notices: await opts.notices(r.value) } : {}),
            }
          : { type: 'error', error: r.error, at: '' };
        const payload = JSON.stringify(frame);
        if (payload === lastPayload) continue;
        lastPayload = payload;
        const stamped = JSON.stringify({ ...frame, at: new Date().toISOString() });
        for (const ws of eventClients) if (ws.readyState === ws.OPEN) ws.send(stamped);
      } while (dirty);
    } finally {
      listing = false;
    }
  };
  const unsubscribe = fleet.subscribe(
    () => void broadcast().catch((e: unknown) => log(`fleet listing failed: ${String(e)}`)),
  );

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Nothing a client sends may throw out of this handler: an exception here ends the process (and
    // with it the supervisor that `workcell ui` or the app runs).
    try {
      onRequest(req, res);
    } catch (e) {
      log(`bug serving a request: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) refuse(res, 500, 'internal error');
      else res.destroy();
    }
  });
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = requestPath(req.url);
    if (path === null) return refuse(res, 400, 'bad request target');
    const isApi = path.startsWith('/api/');
    const verdict = isApi ? checkRequest(req, policy, false) : checkHost(req, policy);
    if (!verdict.ok) {
      log(`refused ${req.method} ${path}: ${verdict.reason}`);
      if (verdict.rotated) {
        // Told apart so the page can say what to do; the header is what the renderer reads.
        res.setHeader(REFUSAL_HEADER, 'token-rotated');
        return refuse(res, 403, 'token rotated: reopen the dashboard from `workcell ui`');
      }
      return refuse(res, 403, 'forbidden');
    }
    const route = async (): Promise<void> => {
      if (isApi) {
        if (await handleSettingsApi(engine.dir, req, res, path)) return;
        const loops = await loopsRoute(engine.dir, req.method ?? 'GET', path);
        if (loops) return sendJson(res, loops);
        const pipelines = await pipelinesRoute(engine.dir, req.method ?? 'GET', path);
        if (pipelines) return sendJson(res, pipelines);
        const usage = resourcesRoute(opts.resources, req.method ?? 'GET', path);
        if (usage) return sendJson(res, usage);
        if (!(await handleApi(engine, req, res, path))) refuse(res, 404, 'no such route');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
      if (!(await serveStatic(staticDir, path, res, req.method === 'HEAD'))) refuse(res, 404, 'not found');
    };
    route().catch((e: unknown) => {
      // A bug, not an expected failure: answer 500 so the dashboard shows it, and log it.
      log(`bug serving ${path}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent)
        sendJson(res, { ok: false, error: { code: 'TMUX_FAILED', message: `internal error: ${String(e)}` } });
      else res.destroy();
    });
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets mid-handshake: its socket ends, nothing else (an unhandled 'error' throws).
    socket.on('error', () => undefined);
    try {
      onUpgrade(req, socket, head);
    } catch (e) {
      log(`bug upgrading a request: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      socket.destroy();
    }
  });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = requestPath(req.url);
    if (path === null) return refuseUpgrade(socket, 400);
    const verdict = checkRequest(req, policy, true);
    if (!verdict.ok) {
      log(`refused upgrade ${path}: ${verdict.reason}`);
      return refuseUpgrade(socket, 403);
    }
    const m = /^\/(peek|control)\/([^/]+)$/.exec(path);
    if (path !== '/events' && !m) return refuseUpgrade(socket, 404);
    const name = m ? decodeSegment(m[2]!) : null;
    if (m && name === null) return refuseUpgrade(socket, 400);
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Before anything else: a hostile or broken client (bad UTF-8, a frame over maxPayload, a
      // malformed frame, even while the peek is still asking tmux for the window size) makes ws emit
      // 'error' and close that socket. Without a listener the event throws and ends the process.
      ws.on('error', (e) => log(`closed a WebSocket on ${path}: ${e.message}`));
      if (!m) {
        eventClients.add(ws);
        ws.on('close', () => eventClients.delete(ws));
        // A new dashboard gets the last list at once, then a fresh one.
        if (lastPayload) ws.send(lastPayload);
        lastPayload = '';
        void broadcast().catch((e: unknown) => log(`fleet listing failed: ${String(e)}`));
        return;
      }
      openTermSession(ws, engine, name!, m[1] === 'peek', sessions).catch((e: unknown) => {
        log(`bug opening ${m[1]} ${name}: ${String(e)}`);
        ws.close(1011, 'internal error');
      });
    });
  };

  return {
    url,
    port,
    token,
    sessions: () => [...sessions],
    async close() {
      unsubscribe();
      for (const s of [...sessions]) s.close('bridge closed');
      for (const ws of eventClients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
