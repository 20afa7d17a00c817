// One peek or control session: a node-pty running `tmux -S sock attach [-r] -t =NAME`, streamed over a
// WebSocket. The pty dies with the socket, so no tmux client is ever left behind.
import * as pty from 'node-pty';
import type { WebSocket, RawData } from 'ws';
import type { TermClientFrame, TermServerFrame } from '../../common/bridge.js';
import type { SvErrorInfo } from '../../common/workcell.js';
import { tmuxEnv } from '../tmux.js';
import { err, ok, type Result } from '../result.js';
import type { BridgeEngine } from './engineApi.js';
import { FlowController } from './flowControl.js';

/** A read-only peek is bounded by tmux itself (it drops and redraws for a client that falls far
 * behind), but only if we stop reading the pty when the socket backs up. These bounds are on bytes
 * handed to the socket and not yet flushed: big enough that a healthy link never pauses, small
 * enough that a stalled browser makes tmux skip instead of us buffering megabytes. */
const PEEK_SOCKET = { high: 1_048_576, low: 262_144 } as const;

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

  let closed = false;
  const session: TermSession = {
    name,
    readOnly,
    close(reason) {
      if (closed) return;
      closed = true;
      try {
        proc.kill();
      } catch {
        // the tmux client already exited (session killed): nothing left to kill
      }
      if (ws.readyState === ws.OPEN) {
        sendFrame(ws, { type: 'exit', reason });
        ws.close(1000, reason.slice(0, 100));
      }
      registry.delete(session);
    },
  };

  registry.add(session);

  // Peek: backpressure from the socket itself. Control: acknowledged by the renderer after parsing.
  const socketFlow = new FlowController(proc, PEEK_SOCKET.high, PEEK_SOCKET.low);
  const ackFlow = readOnly ? null : new FlowController(proc);
  proc.onData((data: string | Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    socketFlow.sent(buf.length);
    ackFlow?.sent(buf.length);
    ws.send(buf, { binary: true }, () => socketFlow.acked(buf.length));
  });
  proc.onExit(() => session.close('the tmux client exited (workcell ended or detached)'));

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closed) return;
    if (isBinary) {
      // Read-only: every byte of input is dropped here, whatever the client sends (tmux -r would also
      // ignore keys, but a peek must not even reach it).
      if (!readOnly) proc.write(toBuffer(data));
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
  // 4000-4999 are application codes; 4404 reads as "not found" in a trace.
  ws.close(
    error.code === 'NOT_FOUND' || error.code === 'SESSION_GONE' ? 4404 : 4500,
    error.message.slice(0, 100),
  );
}
