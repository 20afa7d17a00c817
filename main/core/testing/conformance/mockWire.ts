// Wire formats of the vendor APIs the mock speaks: the error bodies and headers each vendor really
// sends (copied from their API docs and from what the CLIs parse: claude-code 2.1.197 reads the
// `anthropic-ratelimit-unified-*` headers, codex 0.169 the `usage_limit_reached` body with
// `resets_at`, gemini-cli 0.61 the google.rpc `RetryInfo.retryDelay`), and the streaming events of
// Anthropic Messages, OpenAI Responses and Chat Completions, and Gemini streamGenerateContent.

export type Wire = 'anthropic' | 'responses' | 'chat' | 'gemini';

export type ErrorKind =
  'usage_limit' | 'plain_429' | 'auth_401' | 'expired_oauth' | 'overloaded' | 'server_500';

export interface WireError {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** One tool call the mock asks the CLI to make. */
export interface ToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** The error a vendor really answers for `kind`. `now` and `resetAt` are epoch seconds. */
export function wireError(wire: Wire, kind: ErrorKind, now: number, resetAt: number): WireError {
  const inS = Math.max(1, resetAt - now);
  if (wire === 'anthropic') return anthropicError(kind, inS, resetAt);
  if (wire === 'gemini') return geminiError(kind, inS);
  return openaiError(kind, inS, resetAt);
}

function anthropicError(kind: ErrorKind, inS: number, resetAt: number): WireError {
  const body = (type: string, message: string) => ({
    type: 'error',
    error: { type, message },
    request_id: 'req_011CMockConformance',
  });
  switch (kind) {
    case 'usage_limit':
      // A subscription's unified limit: the header set claude-code reads to say "resets <time>".
      return {
        status: 429,
        headers: {
          'retry-after': String(inS),
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': String(resetAt),
          'anthropic-ratelimit-unified-representative-claim': 'five_hour',
          'anthropic-ratelimit-unified-5h-status': 'rejected',
          'anthropic-ratelimit-unified-5h-reset': String(resetAt),
          'anthropic-ratelimit-unified-5h-utilization': '1.0',
          'anthropic-ratelimit-unified-overage-status': 'rejected',
          'anthropic-ratelimit-unified-overage-disabled-reason': 'org_level_disabled',
          'anthropic-ratelimit-unified-fallback': 'unavailable',
        },
        body: body(
          'rate_limit_error',
          "This request would exceed your account's rate limit. Please try again later.",
        ),
      };
    case 'plain_429':
      return {
        status: 429,
        headers: { 'retry-after': '30', 'anthropic-ratelimit-requests-remaining': '0' },
        body: body(
          'rate_limit_error',
          'Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.',
        ),
      };
    case 'auth_401':
      return { status: 401, headers: {}, body: body('authentication_error', 'invalid x-api-key') };
    case 'expired_oauth':
      // What api.anthropic.com answers a subscription's (claude.ai login) access token past its expiry.
      return {
        status: 401,
        headers: {},
        body: body(
          'authentication_error',
          'OAuth token has expired. Please obtain a new token or refresh your existing token.',
        ),
      };
    case 'overloaded':
      return { status: 529, headers: {}, body: body('overloaded_error', 'Overloaded') };
    case 'server_500':
      return { status: 500, headers: {}, body: body('api_error', 'Internal server error') };
  }
}

function openaiError(kind: ErrorKind, inS: number, resetAt: number): WireError {
  const body = (message: string, type: string, code: string | null, extra: object = {}) => ({
    error: { message, type, param: null, code, ...extra },
  });
  switch (kind) {
    case 'usage_limit':
      // The ChatGPT backend's plan limit, as codex parses it (type usage_limit_reached, resets_at).
      return {
        status: 429,
        headers: {
          'x-codex-primary-used-percent': '100',
          'x-codex-primary-window-minutes': '300',
          'x-codex-primary-reset-after-seconds': String(inS),
          'x-codex-primary-reset-at': String(resetAt),
        },
        body: {
          error: {
            type: 'usage_limit_reached',
            message: 'The usage limit has been reached',
            plan_type: 'plus',
            resets_at: resetAt,
            resets_in_seconds: inS,
          },
        },
      };
    case 'plain_429':
      return {
        status: 429,
        headers: {
          'retry-after': '20',
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '20s',
        },
        body: body(
          'Rate limit reached for gpt-4.1 in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.',
          'requests',
          'rate_limit_exceeded',
        ),
      };
    case 'auth_401':
      return {
        status: 401,
        headers: {},
        body: body(
          'Incorrect API key provided: sk-bogus*********************moc. You can find your API key at https://platform.openai.com/account/api-keys.',
          'invalid_request_error',
          'invalid_api_key',
        ),
      };
    case 'expired_oauth':
      // The ChatGPT backend's answer to an expired ChatGPT-login access token (codex then refreshes).
      return {
        status: 401,
        headers: {},
        body: body(
          'Provided authentication token is expired. Please try signing in again.',
          'invalid_request_error',
          'token_expired',
        ),
      };
    case 'overloaded':
      return {
        status: 503,
        headers: {},
        body: body('The engine is currently overloaded, please try again later', 'server_error', null),
      };
    case 'server_500':
      return {
        status: 500,
        headers: {},
        body: body(
          'The server had an error while processing your request. Sorry about that!',
          'server_error',
          null,
        ),
      };
  }
}

function geminiError(kind: ErrorKind, inS: number): WireError {
  const err = (code: number, status: string, message: string, details?: unknown[]) => ({
    error: { code, message, status, ...(details ? { details } : {}) },
  });
  const quota = (quotaId: string, metric: string, delay: number) => [
    {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [
        {
          quotaMetric: `generativelanguage.googleapis.com/${metric}`,
          quotaId,
          quotaDimensions: { location: 'global', model: 'gemini-2.5-pro' },
          quotaValue: '50',
        },
      ],
    },
    {
      '@type': 'type.googleapis.com/google.rpc.Help',
      links: [
        {
          description: 'Learn more about Gemini API quotas',
          url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
        },
      ],
    },
    { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${delay}s` },
  ];
  const quotaText = (metric: string, delay: number) =>
    `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n* Quota exceeded for metric: generativelanguage.googleapis.com/${metric}, limit: 50, model: gemini-2.5-pro\nPlease retry in ${delay}s.`;
  switch (kind) {
    case 'usage_limit': {
      const m = 'generate_content_free_tier_requests';
      return {
        status: 429,
        headers: {},
        body: err(
          429,
          'RESOURCE_EXHAUSTED',
          quotaText(m, inS),
          quota('GenerateRequestsPerDayPerProjectPerModel-FreeTier', m, inS),
        ),
      };
    }
    case 'plain_429': {
      const m = 'generate_content_free_tier_input_token_count';
      return {
        status: 429,
        headers: {},
        body: err(
          429,
          'RESOURCE_EXHAUSTED',
          quotaText(m, 20),
          quota('GenerateContentInputTokensPerModelPerMinute-FreeTier', m, 20),
        ),
      };
    }
    case 'auth_401':
      // The Gemini API answers a bad key with 400 API_KEY_INVALID, not 401.
      return {
        status: 400,
        headers: {},
        body: err(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
            metadata: { service: 'generativelanguage.googleapis.com' },
          },
        ]),
      };
    case 'expired_oauth':
      // Google's answer to an OAuth access token past its expiry (gemini-cli's login, Code Assist).
      return {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
        body: err(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
          [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'ACCESS_TOKEN_EXPIRED',
              domain: 'googleapis.com',
            },
          ],
        ),
      };
    case 'overloaded':
      return {
        status: 503,
        headers: {},
        body: err(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
      };
    case 'server_500':
      return {
        status: 500,
        headers: {},
        body: err(
          500,
          'INTERNAL',
          'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
        ),
      };
  }
}

/** The stream of one answer as SSE frames (`event:` where the wire names events). Text comes in
 * `chunks`; a tool call, when given, follows the text. */
export function streamFrames(wire: Wire, model: string, chunks: string[], tool?: ToolCall): string[] {
  const sse = (data: unknown, event?: string) =>
    `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
  const usage = { input_tokens: 12, output_tokens: 8 };
  if (wire === 'anthropic') {
    const out = [
      sse(
        {
          type: 'message_start',
          message: {
            id: 'msg_mock',
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            usage,
          },
        },
        'message_start',
      ),
      sse(
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        'content_block_start',
      ),
      ...chunks.map((t) =>
        sse(
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } },
          'content_block_delta',
        ),
      ),
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
    ];
    if (tool)
      out.push(
        sse(
          {
            type: 'content_block_start',
            index: 1,
            content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} },
          },
          'content_block_start',
        ),
        sse(
          {
            type: 'content_block_delta',
            index: 1,
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(tool.args) },
          },
          'content_block_delta',
        ),
        sse({ type: 'content_block_stop', index: 1 }, 'content_block_stop'),
      );
    out.push(
      sse(
        {
          type: 'message_delta',
          delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null },
          usage: { output_tokens: 8 },
        },
        'message_delta',
      ),
      sse({ type: 'message_stop' }, 'message_stop'),
    );
    return out;
  }
  if (wire === 'gemini') {
    const out = chunks.map((t) =>
      sse({ candidates: [{ content: { role: 'model', parts: [{ text: t }] }, index: 0 }] }),
    );
    const last: unknown[] = tool ? [{ functionCall: { name: tool.name, args: tool.args } }] : [{ text: '' }];
    out.push(
      sse({
        candidates: [{ content: { role: 'model', parts: last }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 8, totalTokenCount: 20 },
        modelVersion: model,
      }),
    );
    return out;
  }
  if (wire === 'chat') {
    const base = { id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1, model };
    const out = [
      sse({
        ...base,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      }),
    ];
    for (const t of chunks)
      out.push(sse({ ...base, choices: [{ index: 0, delta: { content: t }, finish_reason: null }] }));
    if (tool)
      out.push(
        sse({
          ...base,
          choices: [
            {
              index: 0,
              delta: {
                tool_calls: [
                  {
                    index: 0,
                    id: tool.id,
                    type: 'function',
                    function: { name: tool.name, arguments: JSON.stringify(tool.args) },
                  },
                ],
              },
              finish_reason: null,
            },
          ],
        }),
      );
    out.push(
      sse({
        ...base,
        choices: [{ index: 0, delta: {}, finish_reason: tool ? 'tool_calls' : 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
      }),
      'data: [DONE]\n\n',
    );
    return out;
  }
  // OpenAI Responses.
  const text = chunks.join('');
  const resp = (status: string, output: unknown[]) => ({
    id: 'resp_mock',
    object: 'response',
    created_at: 1,
    status,
    model,
    output,
    usage: {
      input_tokens: 12,
      output_tokens: 8,
      total_tokens: 20,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
  });
  const msg = {
    type: 'message',
    id: 'msg_mock',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
  const out = [
    sse({ type: 'response.created', response: resp('in_progress', []) }, 'response.created'),
    sse(
      {
        type: 'response.output_item.added',
        output_index: 0,
        item: { ...msg, status: 'in_progress', content: [] },
      },
      'response.output_item.added',
    ),
    ...chunks.map((t) =>
      sse(
        {
          type: 'response.output_text.delta',
          item_id: 'msg_mock',
          output_index: 0,
          content_index: 0,
          delta: t,
        },
        'response.output_text.delta',
      ),
    ),
    sse({ type: 'response.output_item.done', output_index: 0, item: msg }, 'response.output_item.done'),
  ];
  const items: unknown[] = [msg];
  if (tool) {
    const call = {
      type: 'function_call',
      id: 'fc_mock',
      call_id: tool.id,
      name: tool.name,
      arguments: JSON.stringify(tool.args),
      status: 'completed',
    };
    items.push(call);
    out.push(
      sse({ type: 'response.output_item.done', output_index: 1, item: call }, 'response.output_item.done'),
    );
  }
  out.push(sse({ type: 'response.completed', response: resp('completed', items) }, 'response.completed'));
  return out;
}

/** The token endpoint's answer to a refresh token that expired too (auth.openai.com, as codex 0.169
 * reads it: `refresh_token_expired` makes it ask the user to sign in again). */
export const REFRESH_EXPIRED: WireError = {
  status: 401,
  headers: {},
  body: {
    error: {
      message: 'Your refresh token has expired. Please log out and sign in again.',
      type: 'invalid_request_error',
      code: 'refresh_token_expired',
    },
  },
};
