// How the renderer talks to the bridge. Served by `workcell ui`, it is same-origin and the HttpOnly
// cookie carries the token. In the app's dashboard and peek windows the preload hands over the URL and
// token (workcellApp.getBridge(), main/common/ipc.ts) and the token travels as Authorization header /
// WS subprotocol, so a lost cookie or a page loaded from elsewhere still works.
import {
  BRIDGE_PROTOCOL,
  ROUTES,
  TOKEN_PROTOCOL_PREFIX,
  type BridgeResult,
  type MuteRequest,
  type StartRequest,
  type WorkcellAction,
  type WorkcellDetail,
} from '../../main/common/bridge.js';
import type { WorkcellStatus, WorkcellSummary } from '../../main/common/workcell.js';
import { appApi } from './appApi.js';

interface Endpoint {
  base: string;
  token: string | null;
}
let endpointP: Promise<Endpoint> | null = null;

/** Asked once per page: the preload's getBridge in our Electron windows, else the page's origin. */
function endpoint(): Promise<Endpoint> {
  endpointP ??= (async () => {
    const app = appApi();
    if (app) {
      try {
        const b = await app.getBridge();
        return { base: b.url.replace(/\/$/, ''), token: b.token };
      } catch {
        // refused (a window the bridge is not handed to): same-origin with the cookie, if any
      }
    }
    return { base: location.origin, token: null };
  })();
  return endpointP;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<BridgeResult<T>> {
  const { base, token } = await endpoint();
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    return {
      ok: false,
      error: {
        code: 'TMUX_FAILED',
        message: `the bridge is unreachable (${String(e)}): is \`workcell ui\` still running?`,
      },
    };
  }
  if (res.status === 403)
    return {
      ok: false,
      error: {
        code: 'NOT_WRITABLE',
        message: 'the bridge refused this page: open the tokened URL `workcell ui` printed',
      },
    };
  try {
    return (await res.json()) as BridgeResult<T>;
  } catch {
    // a non-JSON answer (a 404 page): report the status line rather than a parse error
    return {
      ok: false,
      error: { code: 'TMUX_FAILED', message: `unexpected answer from the bridge: HTTP ${res.status}` },
    };
  }
}

export const api = {
  list: () => call<WorkcellSummary[]>('GET', ROUTES.list),
  detail: (name: string) => call<WorkcellDetail>('GET', ROUTES.workcell(name)),
  start: (req: StartRequest) => call<WorkcellStatus>('POST', ROUTES.list, req),
  act: (name: string, action: Exclude<WorkcellAction, 'mute'>) =>
    call<WorkcellStatus>('POST', ROUTES.action(name, action)),
  mute: (name: string, muted: boolean) =>
    call<void>('POST', ROUTES.action(name, 'mute'), { muted } satisfies MuteRequest),
};

export async function openSocket(path: string): Promise<WebSocket> {
  const { base, token } = await endpoint();
  const protocols = token ? [BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`] : [BRIDGE_PROTOCOL];
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, protocols);
  ws.binaryType = 'arraybuffer';
  return ws;
}
