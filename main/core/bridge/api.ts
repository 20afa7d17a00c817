// The JSON API. Every answer is a BridgeResult: `{ ok: true, value }` or `{ ok: false, error }` with
// the core's error value, so the renderer can show the core's own message next to the right field.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  httpStatusOf,
  ROUTES,
  type BridgeResult,
  type StartRequest,
  type WorkcellDetail,
} from '../../common/bridge.js';
import { AGENTS, type AgentName, type WorkcellEvent, type WorkcellStatus } from '../../common/workcell.js';
import { err, ok, type Result } from '../result.js';
import type { ArtifactKind, BridgeEngine } from './engineApi.js';
import { abandonSignal } from './abandon.js';
import { handleDetailGet } from './detailRoutes.js';
import { promptOf, parseReply, replyTo } from './replyApi.js';
import { COMMON_HEADERS } from './staticFiles.js';

/** A start request is a few hundred bytes; 256 kB leaves room for a long objective and refuses floods. */
const MAX_BODY_BYTES = 262_144;

export function sendJson(res: ServerResponse, result: BridgeResult<unknown>): void {
  const body = JSON.stringify(result);
  res.writeHead(result.ok ? 200 : httpStatusOf(result.error), {
    ...COMMON_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

export async function readBody(req: IncomingMessage): Promise<Result<unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return err('BAD_ARGS', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return ok({});
  try {
    return ok(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
  } catch {
    // malformed JSON from the client: an expected failure, answered as such
    return err('BAD_ARGS', 'request body is not valid JSON');
  }
}

function parseStart(body: unknown): Result<StartRequest> {
  const b = (body ?? {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof b[k] === 'string' ? (b[k] as string) : undefined);
  const name = str('name') ?? '';
  const repo = str('repo') ?? '';
  const agent = str('agent') ?? '';
  if (!(AGENTS as readonly string[]).includes(agent)) {
    return err('BAD_AGENT', `unknown agent ${JSON.stringify(agent)}: one of ${AGENTS.join(', ')}`);
  }
  const args = b.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))
    return err('BAD_ARGS', 'args must be a list of strings');
  const req: StartRequest = { name, repo, agent: agent as AgentName, args: args as string[] };
  const objective = str('objective');
  const verify = str('verify');
  if (objective) req.objective = objective;
  if (verify) req.verify = verify;
  return ok(req);
}

async function artifact(engine: BridgeEngine, name: string, kind: ArtifactKind): Promise<string | null> {
  const r = await engine.readArtifact(name, kind);
  // A missing file (the engine answers '') is normal early in a run: shown as "none yet".
  return r.ok && r.value !== '' ? r.value : null;
}

export function parseEvents(text: string | null): WorkcellEvent[] {
  const out: WorkcellEvent[] = [];
  for (const line of (text ?? '').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as WorkcellEvent);
    } catch {
      // a torn last line while the writer is mid-append: skip it, the next read has it whole
    }
  }
  return out;
}

async function detail(
  engine: BridgeEngine,
  name: string,
  signal?: AbortSignal,
): Promise<Result<WorkcellDetail>> {
  const summary = await engine.status(name);
  if (!summary.ok) return summary;
  // The client clicked past this row while its status was read: the five artifact reads are not done.
  if (signal?.aborted) return err('BAD_ARGS', 'the request was abandoned');
  const [brief, statusText, handoff, events, verifyLog] = await Promise.all(
    (['brief', 'status', 'handoff', 'events', 'verifyLog'] as const).map((k) => artifact(engine, name, k)),
  );
  let status: WorkcellStatus | null = null;
  try {
    status = statusText ? (JSON.parse(statusText) as WorkcellStatus) : null;
  } catch {
    // status.json is written atomically, so this is a hand-edited file: show the rest without it
  }
  return ok({
    summary: summary.value,
    artifacts: {
      brief: brief ?? null,
      status,
      handoff: handoff ?? null,
      events: parseEvents(events ?? null),
      verifyLog: verifyLog ?? null,
    },
  });
}

/** One %-decoded path segment, or null for a malformed escape (`%E0%A4%A`): a client's mistake,
 * answered 400, never a thrown URIError. */
export function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    // URIError: a malformed %-escape or an escape that is not UTF-8
    return null;
  }
}

/** Handles /api/*. Returns false when the route is unknown. */
export async function handleApi(
  engine: BridgeEngine,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<boolean> {
  if (path !== ROUTES.list && !path.startsWith(`${ROUTES.list}/`)) return false;
  const decoded = path.split('/').slice(3).map(decodeSegment); // ['', 'api', 'workcells', ...rest]
  if (decoded.includes(null)) {
    sendJson(res, err('BAD_ARGS', 'the request path has a malformed %-escape'));
    return true;
  }
  const parts = decoded as string[];
  const method = req.method ?? 'GET';
  if (parts.length === 0 && method === 'GET') {
    // Broken run dirs and ghost sessions are listed too (state `broken` / `ghost`, with the reason and
    // the fix), after the readable workcells (issue 8, B1).
    const l = engine.listing ? await engine.listing() : null;
    sendJson(res, !l ? await engine.list() : l.ok ? ok([...l.value.workcells, ...l.value.problems]) : l);
    return true;
  }
  if (parts.length === 0 && method === 'POST') {
    const body = await readBody(req);
    const start = body.ok ? parseStart(body.value) : body;
    sendJson(res, start.ok ? await engine.start(start.value) : start);
    return true;
  }
  const [name, action] = parts;
  if (!name || parts.length > 2) return false;
  if (!action && method === 'GET') {
    const signal = abandonSignal(req, res);
    const d = await detail(engine, name, signal);
    if (!signal.aborted) sendJson(res, d);
    return true;
  }
  if (action === 'prompt' && method === 'GET') {
    sendJson(res, await promptOf(engine, name));
    return true;
  }
  if (method === 'GET' && action) return handleDetailGet(engine, res, name, action, abandonSignal(req, res));
  if (method !== 'POST') return false;
  switch (action) {
    case 'kill':
      sendJson(res, await engine.kill(name));
      return true;
    case 'resume':
      sendJson(
        res,
        engine.resume
          ? await engine.resume(name)
          : err('BAD_ARGS', 'resume is not available in this version of the engine'),
      );
      return true;
    case 'recover': {
      const body = await readBody(req);
      if (!body.ok) return (sendJson(res, body), true);
      const { recoverRoute } = await import('./recoveryApi.js');
      sendJson(res, await recoverRoute(engine, name, body.value));
      return true;
    }
    case 'mute': {
      const body = await readBody(req);
      if (!body.ok) return (sendJson(res, body), true);
      const muted = (body.value as { muted?: unknown }).muted;
      sendJson(
        res,
        typeof muted === 'boolean'
          ? await engine.setMuted(name, muted)
          : err('BAD_ARGS', 'mute needs { "muted": true|false }'),
      );
      return true;
    }
    case 'reply': {
      const body = await readBody(req);
      const reply = body.ok ? parseReply(body.value) : body;
      sendJson(res, reply.ok ? await replyTo(engine, name, reply.value) : reply);
      return true;
    }
    default:
      return false;
  }
}
