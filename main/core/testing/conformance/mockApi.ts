// A loopback mock of the vendor APIs (Anthropic Messages, OpenAI Responses and Chat Completions,
// Gemini generateContent / streamGenerateContent) for the conformance suite: one scenario per run,
// and a log of what it did, so every capture is labelled by what is true, not by what a detector says.
// Node http on 127.0.0.1 only; nothing here reaches the network.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { wireError, streamFrames, REFRESH_EXPIRED, type ErrorKind, type Wire } from './mockWire.js';
import { declaredTools, hasToolResult, pickTool, QUESTION_TEXT } from './mockTools.js';

export const SCENARIOS = [
  'text',
  'slow_stream',
  'permission',
  'question',
  'usage_limit',
  'plain_429',
  'auth_401',
  'expired_oauth',
  'overloaded',
  'server_500',
  'refused',
  'hang',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const ANSWER_TEXT = 'CONFORMANCE-OK: the mock API answered.';

const ERROR_SCENARIOS: Partial<Record<Scenario, ErrorKind>> = {
  usage_limit: 'usage_limit',
  plain_429: 'plain_429',
  auth_401: 'auth_401',
  expired_oauth: 'expired_oauth',
  overloaded: 'overloaded',
  server_500: 'server_500',
};

// Slow enough that a capture lands mid-stream, short enough that a run still ends on its own.
const SLOW = { chunks: 90, everyMs: 1_000 } as const;

export interface MockEvent {
  /** Milliseconds since the mock started. */
  t: number;
  wire: Wire | 'other';
  method: string;
  path: string;
  /** A request that declares tools: the agent's own turn, not a side call (titles, checks). */
  main: boolean;
  toolResult: boolean;
  action:
    | 'text'
    | 'stream_start'
    | 'stream_end'
    | 'tool_call'
    | 'question_text'
    | 'error'
    | 'hang'
    | 'not_found'
    | 'aborted';
  status?: number;
  tool?: string;
}

export interface MockApi {
  url: string;
  port: number;
  scenario: Scenario;
  events: MockEvent[];
  /** Streams open right now (a slow stream in progress). */
  openStreams(): number;
  close(): Promise<void>;
}

export interface MockOptions {
  scenario: Scenario;
  /** Epoch seconds the usage limit lifts (vendor headers and bodies carry it). */
  resetAt: number;
  now?: () => number;
  /** Sees every request body (debugging a CLI's requests; the tests assert on them). */
  onRequest?: (path: string, body: Record<string, unknown>) => void;
}

function wireOf(path: string): Wire | 'other' {
  if (/\/messages$/.test(path)) return 'anthropic';
  if (/\/responses$/.test(path)) return 'responses';
  if (/\/chat\/completions$/.test(path)) return 'chat';
  if (/:(stream)?generateContent$/i.test(path)) return 'gemini';
  return 'other';
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  try {
    const v = JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    // not JSON (a GET, or a CLI probing the server): treated as an empty request
    return {};
  }
}

export async function startMockApi(opts: MockOptions): Promise<MockApi> {
  const now = opts.now ?? (() => Date.now());
  const started = now();
  const events: MockEvent[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let calls = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      // the CLI hung up mid-answer: nothing to answer any more
      res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const query = (req.url ?? '').split('?')[1] ?? '';
    const body = await readBody(req);
    opts.onRequest?.(path, body);
    const wire = wireOf(path);
    const tools = wire === 'other' ? [] : declaredTools(wire, body);
    const ev = (action: MockEvent['action'], extra: Partial<MockEvent> = {}) =>
      events.push({
        t: now() - started,
        wire,
        method: req.method ?? 'GET',
        path,
        main: tools.length > 0,
        toolResult: wire !== 'other' && hasToolResult(wire, body),
        action,
        ...extra,
      });
    const json = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(data));
    };

    // An expired login is refused everywhere, as the real services do: the token refresh (codex), its
    // ChatGPT account calls (chatgpt_base_url) and Code Assist's setup calls (gemini's loadCodeAssist).
    // Model lists stay answered: a CLI reads them before it logs in.
    if (opts.scenario === 'expired_oauth' && wire === 'other' && !/\/models$|count_?tokens$/i.test(path)) {
      const e = /oauth\/token$/.test(path)
        ? REFRESH_EXPIRED
        : /v1internal:/.test(path)
          ? wireError('gemini', 'expired_oauth', 0, 0)
          : wireError('responses', 'expired_oauth', 0, 0);
      return (ev('error', { status: e.status }), json(e.status, e.body, e.headers));
    }
    if (wire === 'other') return other(req, path, res, json, ev);
    const kind = ERROR_SCENARIOS[opts.scenario];
    if (kind) {
      const e = wireError(wire, kind, Math.floor(now() / 1000), opts.resetAt);
      ev('error', { status: e.status });
      return json(e.status, e.body, e.headers);
    }
    if (opts.scenario === 'hang') {
      ev('hang');
      return; // never answers; close() destroys the socket
    }
    const model = String(body.model ?? /models\/([^:]+)/.exec(path)?.[1] ?? 'mock-model');
    const main = tools.length > 0 && !hasToolResult(wire, body);
    let chunks = ['CONFORMANCE-OK: ', 'the mock ', 'API answered.'];
    let tool = null;
    let action: MockEvent['action'] = 'text';
    if (main && (opts.scenario === 'permission' || opts.scenario === 'question')) {
      tool = pickTool(tools, opts.scenario, `call_mock_${++calls}`);
      if (tool) {
        action = 'tool_call';
        chunks = [
          opts.scenario === 'permission' ? 'I will create the marker file.' : 'I need to ask you first.',
        ];
      } else if (opts.scenario === 'question') {
        action = 'question_text';
        chunks = [`${QUESTION_TEXT} Red or blue?`];
      }
    }
    // Gemini-cli asks "who speaks next" with a JSON schema: answer in JSON so it stops there.
    const genCfg = (body.generationConfig ?? {}) as Record<string, unknown>;
    if (wire === 'gemini' && genCfg.responseMimeType === 'application/json')
      chunks = [JSON.stringify({ reasoning: 'The model answered.', next_speaker: 'user' })];
    const slow = main && opts.scenario === 'slow_stream';
    if (slow) chunks = Array.from({ length: SLOW.chunks }, (_, i) => `word${i + 1} `);
    const streaming =
      body.stream === true ||
      (wire === 'gemini' && /streamGenerateContent$/i.test(path)) ||
      wire === 'responses';
    if (!streaming) {
      ev(action, tool ? { tool: tool.name } : {});
      return json(200, whole(wire, model, chunks.join(''), tool));
    }
    const frames = streamFrames(wire, model, chunks, tool ?? undefined);
    const sseGemini = wire !== 'gemini' || query.includes('alt=sse');
    if (!sseGemini) {
      ev(action, tool ? { tool: tool.name } : {});
      return json(
        200,
        frames.map((f) => JSON.parse(f.replace(/^data: /, ''))),
      );
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    ev(slow ? 'stream_start' : action, tool ? { tool: tool.name } : {});
    open++;
    let aborted = false;
    res.on('close', () => {
      if (!res.writableEnded) aborted = true;
    });
    try {
      for (const f of frames) {
        if (aborted) break;
        res.write(f);
        if (slow) await new Promise((r) => setTimeout(r, SLOW.everyMs));
      }
    } finally {
      open--;
    }
    if (aborted) return void ev('aborted');
    res.end();
    if (slow) ev('stream_end');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    scenario: opts.scenario,
    events,
    openStreams: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

// Model lists and token counts some CLIs ask for before the first turn; anything else is a 404 the
// log keeps, so a CLI calling an endpoint we do not know shows up in the capture's mock log.
function other(
  req: IncomingMessage,
  path: string,
  res: ServerResponse,
  json: (s: number, d: unknown) => void,
  ev: (a: MockEvent['action'], e?: Partial<MockEvent>) => void,
): void {
  if (/count_tokens$/.test(path)) return (ev('text'), json(200, { input_tokens: 12 }));
  if (/:countTokens$/.test(path)) return (ev('text'), json(200, { totalTokens: 12 }));
  if (req.method === 'GET' && /\/models$/.test(path))
    return (
      ev('text'),
      json(200, { object: 'list', data: [{ id: 'mock-model', object: 'model', owned_by: 'mock' }] })
    );
  ev('not_found', { status: 404 });
  json(404, { error: { message: `mock: no route for ${req.method} ${path}`, type: 'not_found' } });
  void res;
}

function whole(
  wire: Wire,
  model: string,
  text: string,
  tool: { id: string; name: string; args: Record<string, unknown> } | null,
): unknown {
  if (wire === 'anthropic')
    return {
      id: 'msg_mock',
      type: 'message',
      role: 'assistant',
      model,
      content: [
        { type: 'text', text },
        ...(tool ? [{ type: 'tool_use', id: tool.id, name: tool.name, input: tool.args }] : []),
      ],
      stop_reason: tool ? 'tool_use' : 'end_turn',
      usage: { input_tokens: 12, output_tokens: 8 },
    };
  if (wire === 'gemini')
    return {
      candidates: [
        {
          content: {
            role: 'model',
            parts: tool ? [{ text }, { functionCall: { name: tool.name, args: tool.args } }] : [{ text }],
          },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 8, totalTokenCount: 20 },
    };
  return {
    id: 'chatcmpl-mock',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text,
          ...(tool
            ? {
                tool_calls: [
                  {
                    id: tool.id,
                    type: 'function',
                    function: { name: tool.name, arguments: JSON.stringify(tool.args) },
                  },
                ],
              }
            : {}),
        },
        finish_reason: tool ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
  };
}

/** A port nothing listens on (bound then released), for the connection-refused scenario. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
