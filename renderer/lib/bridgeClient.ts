// How the renderer talks to the bridge: the token travels as an Authorization header and a WebSocket
// subprotocol, never in a cookie (cookies are not scoped by port: every server on 127.0.0.1 would get
// it) and never in a URL the server sees. In a browser the page is handed the token once in its URL
// fragment (`/#token=T`, see dashboardUrl in main/common/bridge.ts) and keeps it in sessionStorage
// (this origin, port included, and this tab only). In the app's dashboard and peek windows the preload
// hands over the URL and token (workcellApp.getBridge(), main/common/ipc.ts).
import { DETAIL_ROUTES, type LogTail, type WorkcellDiff } from '../../main/common/detailApi.js';
import {
  BRIDGE_PROTOCOL,
  REFUSAL_HEADER,
  ROUTES,
  TOKEN_FRAGMENT,
  TOKEN_PROTOCOL_PREFIX,
  type BridgeResult,
  type MuteRequest,
  type ReplyRequest,
  type StartRequest,
  type WorkcellAction,
  type WorkcellDetail,
} from '../../main/common/bridge.js';
import type { SettingsPatch, SettingsView } from '../../main/common/ipc.js';
import { LOOPS_ROUTE, type LoopView } from '../../main/common/loopView.js';
import { PIPELINES_ROUTE, type PipelineView } from '../../main/common/pipelineView.js';
import { RESOURCES_ROUTE, type ResourceSnapshot } from '../../main/common/resources.js';
import type { Prompt } from '../../main/common/prompt.js';
import type { WorkcellStatus, WorkcellSummary } from '../../main/common/workcell.js';
import { appApi } from './appApi.js';

interface Endpoint {
  base: string;
  token: string | null;
}
let endpointP: Promise<Endpoint> | null = null;

/** sessionStorage key: survives a reload of this tab, gone with the tab. */
const TOKEN_KEY = 'workcell.token';
/** When storage is disabled (a privacy setting), the token lives only as long as the page. */
let pageToken: string | null = null;

/** Takes a token handed over in the URL fragment and drops it from the address bar. Call once, before
 * anything reads `location.hash` (the peek route shares it). */
export function adoptHandedToken(): void {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get(TOKEN_FRAGMENT);
  if (!token) return;
  keepToken(token);
  // Whatever else the fragment says (`workcell=NAME`) stays for the dashboard to read.
  params.delete(TOKEN_FRAGMENT);
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
}

/** Keeps a token for this tab (handed over in the fragment, or by another tab: tokenShare.ts). */
export function keepToken(token: string): void {
  pageToken = token;
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // storage disabled or full: pageToken still serves this page
  }
}

/** This tab's token, if it has one (none in the app's windows: the preload hands it over). */
export function tabToken(): string | null {
  return storedToken();
}

function storedToken(): string | null {
  try {
    return pageToken ?? sessionStorage.getItem(TOKEN_KEY);
  } catch {
    // storage disabled: only a token handed to this very page
    return pageToken;
  }
}

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
    return { base: location.origin, token: storedToken() };
  })();
  return endpointP;
}

async function call<T>(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<BridgeResult<T>> {
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
      ...(signal ? { signal } : {}),
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
        message:
          res.headers.get(REFUSAL_HEADER) === 'token-rotated'
            ? TOKEN_ROTATED_MESSAGE
            : 'the bridge refused this page: open the URL `workcell ui` printed, or the file it names',
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

export const TOKEN_ROTATED_MESSAGE =
  'This dashboard’s access token was rotated (workcell ui --rotate-token): reopen it from `workcell ui` (the URL it prints, or the file it names).';

/** Why this page cannot use the bridge (token rotated, or refused), or null when it can, or when the
 * bridge is only unreachable (the reconnect loop handles that). */
export async function accessProblem(): Promise<'rotated' | 'refused' | null> {
  const { base, token } = await endpoint();
  try {
    const res = await fetch(`${base}${ROUTES.list}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });
    if (res.status !== 403) return null;
    return res.headers.get(REFUSAL_HEADER) === 'token-rotated' ? 'rotated' : 'refused';
  } catch {
    // unreachable: `workcell ui` stopped or restarting; not an access problem
    return null;
  }
}

export const api = {
  list: () => call<WorkcellSummary[]>('GET', ROUTES.list),
  /** `signal`: the dashboard aborts a detail request the user has clicked away from. */
  detail: (name: string, signal?: AbortSignal) =>
    call<WorkcellDetail>('GET', ROUTES.workcell(name), undefined, signal),
  start: (req: StartRequest) => call<WorkcellStatus>('POST', ROUTES.list, req),
  act: (name: string, action: Exclude<WorkcellAction, 'mute' | 'reply' | 'prompt'>) =>
    call<WorkcellStatus>('POST', ROUTES.action(name, action)),
  mute: (name: string, muted: boolean) =>
    call<void>('POST', ROUTES.action(name, 'mute'), { muted } satisfies MuteRequest),
  log: (name: string) => call<LogTail>('GET', DETAIL_ROUTES.log(name)),
  diff: (name: string) => call<WorkcellDiff>('GET', DETAIL_ROUTES.diff(name)),
  prompt: (name: string) => call<Prompt>('GET', ROUTES.action(name, 'prompt')),
  loops: () => call<LoopView[]>('GET', LOOPS_ROUTE),
  pipelines: () => call<PipelineView[]>('GET', PIPELINES_ROUTE),
  /** Also the dashboard's "I show the figures": the supervisor samples while it keeps asking. */
  resources: () => call<ResourceSnapshot>('GET', RESOURCES_ROUTE),
  /** The settings page in a browser (main/core/bridge/settingsApi.ts). */
  settings: () => call<SettingsView>('GET', ROUTES.settings),
  saveSettings: (patch: SettingsPatch) => call<SettingsView>('POST', ROUTES.settings, patch),
  /** POST /api/workcells/:name/recover (main/core/bridge/recoveryApi.ts): `now` resumes a parked
   * workcell at once, `cancel` cancels its scheduled resume. */
  recover: (name: string, action: 'now' | 'cancel') =>
    call<unknown>('POST', `${ROUTES.workcell(name)}/recover`, { action }),
  reply: (name: string, req: ReplyRequest) =>
    call<{ chars: number; key: string | null }>('POST', ROUTES.action(name, 'reply'), req),
};

export async function openSocket(path: string): Promise<WebSocket> {
  const { base, token } = await endpoint();
  const protocols = token ? [BRIDGE_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`] : [BRIDGE_PROTOCOL];
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, protocols);
  ws.binaryType = 'arraybuffer';
  return ws;
}
