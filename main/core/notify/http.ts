// Slack, Telegram and generic webhooks: one JSON POST each, with Node's global fetch.
import type { NotifyMessage } from '../../common/notify.js';
import type {
  SlackNotifierSettings,
  TelegramNotifierSettings,
  WebhookNotifierSettings,
} from '../../common/settings.js';
import { slackText, telegramText } from './channelText.js';
import { failed, okResult, type NotifierContext, type Notifier, type SendResult } from './types.js';

export const HTTP = {
  // Enough of an error body to show "invalid_token" or Telegram's description, not a whole HTML page.
  errorBodyChars: 300,
} as const;

/** POSTs JSON; 2xx is success, 408/429/5xx and network errors are worth a retry, other 4xx are not. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<SendResult> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
  } catch (e) {
    // Network failure, refused connection, DNS, abort/timeout: all expected, all retryable except a
    // URL that cannot be parsed at all.
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (signal.aborted)
      return failed(`no answer in time (${String(signal.reason?.name ?? 'aborted')})`, true);
    const cause = err.cause?.code ?? err.cause?.message;
    const invalidUrl = err.name === 'TypeError' && /url/i.test(err.message) && !cause;
    return failed(`request failed: ${err.message}${cause ? ` (${cause})` : ''}`, !invalidUrl);
  }
  if (res.ok) {
    // Drain the body so the connection can be reused; its content does not matter.
    await res.arrayBuffer().catch(() => undefined);
    return okResult;
  }
  let text = '';
  try {
    text = (await res.text()).slice(0, HTTP.errorBodyChars).trim();
  } catch {
    // body unreadable (connection dropped after the status line): the status alone is the message
  }
  const retry = res.status === 408 || res.status === 429 || res.status >= 500;
  return failed(`HTTP ${res.status}${text ? `: ${text}` : ''}`, retry);
}

export function slackNotifier(s: SlackNotifierSettings, ctx: NotifierContext): Notifier {
  return {
    type: 'slack',
    async send(msg, signal) {
      const url = await ctx.secrets.resolve(s.url, 'slack.url');
      if (!url.ok) return failed(url.error, false);
      return postJson(url.value, { text: slackText(msg) }, {}, signal);
    },
  };
}

export function telegramNotifier(s: TelegramNotifierSettings, ctx: NotifierContext): Notifier {
  return {
    type: 'telegram',
    async send(msg, signal) {
      const token = await ctx.secrets.resolve(s.token, 'telegram.token');
      if (!token.ok) return failed(token.error, false);
      const base = s.apiBase.replace(/\/+$/, '');
      const text = telegramText(msg);
      // Plain text (no parse_mode): agent output is full of characters Markdown/HTML would misread.
      return postJson(
        `${base}/bot${token.value}/sendMessage`,
        { chat_id: s.chatId, text, disable_web_page_preview: true },
        {},
        signal,
      );
    },
  };
}

export function webhookNotifier(s: WebhookNotifierSettings, ctx: NotifierContext): Notifier {
  return {
    type: 'webhook',
    async send(msg: NotifyMessage, signal) {
      const url = await ctx.secrets.resolve(s.url, 'webhook.url');
      if (!url.ok) return failed(url.error, false);
      // Lets a receiver drop the copy a crash-and-resume can produce (same changes, same key).
      const headers: Record<string, string> = { 'Idempotency-Key': msg.idempotencyKey ?? msg.changeId };
      for (const [k, v] of Object.entries(s.headers ?? {})) {
        const h = await ctx.secrets.resolve(v, `webhook.headers.${k}`);
        if (!h.ok) return failed(h.error, false);
        headers[k] = h.value;
      }
      return postJson(url.value, msg, headers, signal);
    },
  };
}
