// The bridge contract (DESIGN.md §5): HTTP routes, request/response bodies and WebSocket frames shared
// by main/core/bridge (the server) and renderer (the client). Pure types and constants.
import type { Result } from './result.js';
import type { AgentName, SvErrorInfo, WorkcellEvent, WorkcellStatus, WorkcellSummary } from './workcell.js';

/** The one Result, so an engine result is passed through unchanged. */
export type BridgeResult<T> = Result<T>;

/** The live fleet the bridge pushes on /events. The supervisor implements it event-driven (tmux control
 * mode); `workcell ui` without a supervisor uses a watcher over the runs directory. */
export interface FleetSource {
  list(): Promise<BridgeResult<WorkcellSummary[]>>;
  /** Calls onChange whenever something may have changed ("something changed, then reconcile").
   * Returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
}

/** Routes. `:name` is a workcell name (validated by the core, never interpreted by the bridge). */
export const ROUTES = {
  list: '/api/workcells',
  /** GET: summary + artifacts; POST on `${workcell}/kill` etc. for actions. */
  workcell: (name: string) => `/api/workcells/${encodeURIComponent(name)}`,
  action: (name: string, action: WorkcellAction) => `/api/workcells/${encodeURIComponent(name)}/${action}`,
  events: '/events',
  peek: (name: string) => `/peek/${encodeURIComponent(name)}`,
  control: (name: string) => `/control/${encodeURIComponent(name)}`,
  /** GET: SettingsView (secrets as where they live, never values); POST: SettingsPatch (settingsApi.ts). */
  settings: '/api/settings',
} as const;

export const WORKCELL_ACTIONS = ['kill', 'resume', 'mute', 'reply', 'prompt'] as const;
export type WorkcellAction = (typeof WORKCELL_ACTIONS)[number];

/** POST /api/workcells. `args` is an exact argv tail (one element per line in the form), never split
 * by a shell. */
export interface StartRequest {
  name: string;
  repo: string;
  agent: AgentName;
  objective?: string;
  verify?: string;
  args: string[];
}

/** POST /api/workcells/:name/reply: literal text (then Enter unless `enter: false`) or one named key.
 * GET /api/workcells/:name/prompt answers a `Prompt` (main/common/prompt.ts). */
export type ReplyRequest = { text: string; enter?: boolean } | { key: string };

/** POST /api/workcells/:name/mute */
export interface MuteRequest {
  muted: boolean;
}

/** GET /api/workcells/:name: every artifact is null when its file does not exist (yet). */
export interface WorkcellDetail {
  summary: WorkcellSummary;
  artifacts: {
    brief: string | null;
    status: WorkcellStatus | null;
    handoff: string | null;
    events: WorkcellEvent[];
    verifyLog: string | null;
  };
}

/** What is wrong with the supervision itself, shown above the list: the states below it can only be
 * trusted when nothing is here. Each is a sentence that says what to do. */
export interface FleetNotices {
  /** No supervisor daemon watches this home (and why), while workcells are live. */
  supervisor: string | null;
  /** settings.json is broken; the last good settings are in use meanwhile. */
  settings: string | null;
  /** The disk holding WORKCELLS_HOME is full: records lag, notifications go on from memory. */
  disk?: string | null;
}

/** /events: server -> client, JSON text frames. */
export type FleetFrame =
  | { type: 'fleet'; workcells: WorkcellSummary[]; at: string; notices?: FleetNotices }
  | { type: 'error'; error: SvErrorInfo; at: string };

/** /peek and /control: the FIRST frame, always a JSON text frame, before any terminal byte: the tmux
 * window's size (the client sizes xterm to exactly cols x rows and scales the font), or why there is
 * nothing to show (then the socket closes with TERM_CLOSE.notFound or .failed). */
export type TermHelloFrame =
  { type: 'size'; cols: number; rows: number } | { type: 'error'; error: SvErrorInfo };

/** After the hello, a /peek carries ONLY binary frames of raw terminal output, so the renderer can
 * hand the socket to @xterm/addon-attach (which writes every later frame, text or binary, into the
 * terminal). The end is the close frame: TERM_CLOSE.ended with the reason as its close reason.
 *
 * After the hello, a /control carries terminal bytes as binary frames and these JSON text frames. */
export type TermServerFrame = TermHelloFrame | { type: 'exit'; reason: string };

/** WebSocket close codes of /peek and /control (4000-4999 are the application's; 4404 reads as "not
 * found" in a trace). The close reason is a sentence for the status line (at most 100 chars). */
export const TERM_CLOSE = { ended: 1000, notFound: 4404, failed: 4500 } as const;

/** /control: client -> server. Input goes as BINARY frames (dropped entirely on /peek); acks as JSON
 * text frames, sent from inside xterm's write callback, i.e. after the data was parsed. */
export type TermClientFrame = { type: 'ack'; bytes: number };

/** VS Code's numbers (STYLE.md "Flow control is acknowledged after parsing"): pause the pty above this
 * many unacknowledged bytes, resume below the low watermark. The renderer acks every ACK_CHUNK bytes
 * so a chatty agent costs one small frame per ~5 kB, not one per write. Used by /control only. */
export const FLOW = {
  highWatermark: 100_000,
  lowWatermark: 5_000,
  ackChunk: 5_000,
} as const;

/** A read-only peek has no acks (AttachAddon writes and forgets). It is bounded by tmux itself, which
 * drops and redraws for a client that falls far behind, but only if the bridge stops reading the pty
 * when the socket backs up: the pty is paused while the socket's `bufferedAmount` (bytes handed to
 * the socket and not yet flushed to the kernel) is above `highBufferedBytes`, and resumed below
 * `lowBufferedBytes`. 1 MiB: a healthy loopback link never gets there (a full redraw of a 300x100
 * window with colours is ~100 kB), so a peek keeps the speed of a plain `tmux attach -r`; a stalled
 * browser makes tmux skip instead of the bridge buffering megabytes per peek. 256 KiB: resume while
 * a few redraws are still queued, so the socket never runs dry between pause and resume. */
export const PEEK_FLOW = {
  highBufferedBytes: 1_048_576,
  lowBufferedBytes: 262_144,
} as const;

/** WebSocket subprotocols: browsers cannot set headers on a WebSocket, so the renderer passes the token
 * as a second subprotocol. The server answers with BRIDGE_PROTOCOL only, so the token is never echoed. */
export const BRIDGE_PROTOCOL = 'workcell.v1';
export const TOKEN_PROTOCOL_PREFIX = 'workcell.token.';

/** How the token reaches a browser tab (DESIGN.md §5): in the URL's FRAGMENT, `/#token=T`, which the
 * browser never sends to any server (no request line, no Referer, no log). The renderer moves it to
 * sessionStorage (scoped to this origin, port included, and to the tab) and drops it from the address
 * bar. There is no cookie: cookies are not scoped by port, so every other server on 127.0.0.1 (an
 * agent's dev server on :3000) would receive it. `workcell ui` prints this URL on its own stdout and
 * opens a 0600 file that redirects to it, never the URL itself (argv is readable by every local user). */
export const TOKEN_FRAGMENT = 'token';

/** `/#workcell=NAME` opens the dashboard on that workcell's detail (a notification's link; see
 * dashboardLink in main/core/notify/format.ts). Such a tab has no token of its own and asks an open
 * dashboard tab for it (renderer/lib/tokenShare.ts). */
export const WORKCELL_FRAGMENT = 'workcell';

/** Set on a 403 whose token was rotated (`workcell ui --rotate-token`): `token-rotated`. The page then
 * says to reopen it from `workcell ui` instead of a bare "forbidden". */
export const REFUSAL_HEADER = 'X-Workcell-Refusal';

/** The URL that hands `token` to a new dashboard tab at `origin` (http://127.0.0.1:PORT). */
export function dashboardUrl(origin: string, token: string): string {
  return `${origin}/#${TOKEN_FRAGMENT}=${encodeURIComponent(token)}`;
}

/** HTTP status for an expected failure, so curl users see something sensible; the body always carries
 * the error value. */
export function httpStatusOf(error: SvErrorInfo): number {
  switch (error.code) {
    case 'NOT_FOUND':
    case 'SESSION_GONE':
      return 404;
    case 'BAD_NAME':
    case 'BAD_REPO':
    case 'BAD_AGENT':
    case 'BAD_ARGS':
    case 'BAD_SETTINGS':
      return 400;
    case 'NAME_IN_USE':
    case 'STILL_RUNNING':
    case 'BUSY':
      return 409;
    default:
      return 500;
  }
}

/** Which form field an error from `start` belongs to, so the renderer shows it in place. */
export function fieldOfError(error: SvErrorInfo): keyof StartRequest | null {
  switch (error.code) {
    case 'BAD_NAME':
    case 'NAME_IN_USE':
      return 'name';
    case 'BAD_REPO':
    case 'NOT_WRITABLE':
      return 'repo';
    case 'BAD_AGENT':
    case 'AGENT_MISSING':
      return 'agent';
    case 'BAD_ARGS':
      return 'args';
    default:
      return null;
  }
}
