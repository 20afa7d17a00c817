// One peek or control session: a node-pty running `tmux -S sock attach [-r] -t =NAME`, streamed over a
// WebSocket. The pty dies with the socket, so no tmux client is ever left behind. Frames: a JSON hello
// (the window size) first; then a peek is raw terminal bytes only (the renderer's AttachAddon writes
// every frame into xterm), while a control session also takes input and acks (main/common/bridge.ts).
import * as pty from 'node-pty';
import type { WebSocket, RawData } from 'ws';
import { PEEK_FLOW, TERM_CLOSE, type TermClientFrame, type TermServerFrame } from '../../common/bridge.js';
import type { SvErrorInfo } from '../../common/workcell.js';
import { tmuxEnv } from '../tmux.js';
import { err, ok, type Result } from '../result.js';
import type { BridgeEngine } from './engineApi.js';
import { BufferedFlow, FlowController } from './flowControl.js';
import { cancelOnInput } from '../recovery/input.js';

// A resume scheduled while someone types is rare; a file read per keystroke is not worth it.
const CANCEL_CHECK_MS = 3_000;

export interface WindowSize {
  cols: number;
  rows: number;
}

/** The size a client must have to see the window exactly: window width, and window height plus the
 * status line(s), since a client's status bar takes rows from its own terminal. */
export async function windowSize(engine: BridgeEngine, name: string): Promise<Result<WindowSize>> {
  // The engine validates the name (never escaped, DESIGN.md §2) and knows whether the workcell exists.
  const st = await engine.status(name);
  if (!st.ok) return st;
  if (!st.value.pane)
    return err(
      'SESSION_GONE',
      `${name} has no tmux session any more (${st.value.state}): nothing to peek at`,
    );
  const r = await engine.tmux.run([
    'display-message',
    '-p',
    '-t',
    `=${name}:`,
    '#{window_width}\t#{window_height}\t#{status}',
  ]);
  if (!r.ok) {
    if (/can't find|no server|error connecting/i.test(r.error.message))
      return err('NOT_FOUND', `no workcell session named ${name}`);
    return r;
  }
  const [w, h, status] = r.value.trim().split('\t');
  const statusLines = status === 'off' ? 0 : status === 'on' ? 1 : Number(status) || 0;
  const cols = Number(w);
  const rows = Number(h) + statusLines;
  if (!(cols > 0 && rows > 0))
    return err('TMUX_FAILED', `tmux reported no window size for ${name}: ${JSON.stringify(r.value)}`);
  return ok({ cols, rows });
}

function sendFrame(ws: WebSocket, frame: TermServerFrame): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
}

export interface TermSession {
  readonly name: string;
  readonly readOnly: boolean;
  /** Whether the pty is paused by flow control, and the bytes queued on the socket (tests, status). */
  flow(): { paused: boolean; buffered: number };
  /** Kills the tmux client and closes the socket; idempotent. */
  close(reason: string): void;
}

/** Opens the session on an already-accepted socket. Expected failures (no such workcell) are sent
 * to the client as an error frame and the socket is closed. */
export async function openTermSession(
  ws: WebSocket,
  engine: BridgeEngine,
  name: string,
  readOnly: boolean,
  registry: { add(s: TermSession): void; delete(s: TermSession): void },
  /** Tests lower the peek watermarks: tmux sends a stalled peek only ~200 kB, which loopback socket
   * buffers absorb long before the real 1 MiB mark is reached. */
  peekMarks: { highBufferedBytes: number; lowBufferedBytes: number } = PEEK_FLOW,
): Promise<TermSession | null> {
  const size = await windowSize(engine, name);
  if (!size.ok) {
    closeWithError(ws, size.error);
    return null;
  }
  // The socket may have gone while we asked tmux; spawning now would leave a client nobody closes.
  if (ws.readyState !== ws.OPEN) return null;
  const [file, ...args] = engine.attachArgv(name, { readOnly });
  if (!file) throw new Error('engine.attachArgv returned an empty argv');
  const env = { ...tmuxEnv(process.env), TERM: 'xterm-256color' };
  // encoding null: Buffers in and out, no decode/encode per chunk; xterm parses bytes itself.
  const proc = pty.spawn(file, args, {
    name: 'xterm-256color',
    cols: size.value.cols,
    rows: size.value.rows,
    env,
    encoding: null,
  });
  sendFrame(ws, { type: 'size', ...size.value });

  // Peek: backpressure from the socket itself (PEEK_FLOW). Control: acknowledged by the renderer after
  // parsing (FLOW), which also bounds the socket since a byte is acked only after it arrived. One
  // controller per session, so one never resumes a pty the other paused.
  const peekFlow = readOnly
    ? new BufferedFlow(proc, () => ws.bufferedAmount, peekMarks.highBufferedBytes, peekMarks.lowBufferedBytes)
    : null;
  const ackFlow = readOnly ? null : new FlowController(proc);

  let closed = false;
  const session: TermSession = {
    name,
    readOnly,
    flow: () => ({
      paused: (peekFlow ?? ackFlow)?.isPaused ?? false,
      buffered: ws.bufferedAmount,
    }),
    close(reason) {
      if (closed) return;
      closed = true;
      try {
        proc.kill();
      } catch {
        // the tmux client already exited (session killed): nothing left to kill
      }
      if (ws.readyState === ws.OPEN) {
        // A peek says why in the close frame only: any text frame would be printed by AttachAddon.
        if (!readOnly) sendFrame(ws, { type: 'exit', reason });
        ws.close(TERM_CLOSE.ended, reason.slice(0, 100));
      }
      registry.delete(session);
    },
  };

  registry.add(session);

  const flushed = peekFlow ? () => peekFlow.check() : undefined;
  proc.onData((data: string | Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    ackFlow?.sent(buf.length);
    ws.send(buf, { binary: true }, flushed);
    peekFlow?.check();
  });
  proc.onExit(() => session.close('the tmux client exited (workcell ended or detached)'));

  // Keys typed here are the user taking the workcell over: a scheduled recovery resume is cancelled
  // (recovery/input.ts). Looked at on the first key and then at most every few seconds, not per key.
  let lastCancelCheck = 0;
  const cancelResumeOnInput = () => {
    const now = Date.now();
    if (now - lastCancelCheck < CANCEL_CHECK_MS) return;
    lastCancelCheck = now;
    void cancelOnInput(engine.dir, name, 'the take-control terminal');
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closed) return;
    if (isBinary) {
      // Read-only: every byte of input is dropped here, whatever the client sends (tmux -r would also
      // ignore keys, but a peek must not even reach it).
      if (!readOnly) {
        proc.write(toBuffer(data));
        cancelResumeOnInput();
      }
      return;
    }
    const frame = parseClientFrame(data);
    if (frame?.type === 'ack') ackFlow?.acked(frame.bytes);
  });
  ws.on('close', () => session.close('socket closed'));
  ws.on('error', () => session.close('socket error'));
  return session;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function parseClientFrame(data: RawData): TermClientFrame | null {
  try {
    const v = JSON.parse(toBuffer(data).toString('utf8')) as Partial<TermClientFrame>;
    return v.type === 'ack' && typeof v.bytes === 'number' ? { type: 'ack', bytes: v.bytes } : null;
  } catch {
    // not JSON: a client bug; ignoring the frame is safe (no ack only slows that client down)
    return null;
  }
}

export function closeWithError(ws: WebSocket, error: SvErrorInfo): void {
  sendFrame(ws, { type: 'error', error });
  ws.close(
    error.code === 'NOT_FOUND' || error.code === 'SESSION_GONE' ? TERM_CLOSE.notFound : TERM_CLOSE.failed,
    error.message.slice(0, 100),
  );
}
