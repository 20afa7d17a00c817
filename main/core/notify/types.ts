// The seam between the dispatcher and a channel. Adapters are built by factories keyed by type, so the
// desktop app can swap in Electron's Notification for `desktop` without touching the core.
import type { NotifierType, NotifyMessage } from '../../common/notify.js';
import type { NotifierSettings } from '../../common/settings.js';
import type { SecretResolver } from './secrets.js';

/** Outcome of one delivery attempt. Failures are values; `retry` says whether trying again can help
 * (a 503 or a timeout can, a 404 webhook or a missing token file cannot). */
export type SendResult = { ok: true } | { ok: false; error: string; retry: boolean };

export interface Notifier {
  readonly type: NotifierType;
  /** One attempt. Must honour `signal` (the dispatcher's per-attempt timeout and shutdown) and must
   * not throw for expected failures. Error text may contain secrets: the dispatcher redacts it. */
  send(msg: NotifyMessage, signal: AbortSignal): Promise<SendResult>;
}

export interface NotifierContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  secrets: SecretResolver;
}

export type NotifierFactory<S extends NotifierSettings = NotifierSettings> = (
  settings: S,
  ctx: NotifierContext,
) => Notifier;

/** One factory per type; pass a partial map to override some (e.g. `{ desktop: electronNotifier }`). */
export type NotifierFactories = {
  [T in NotifierType]: NotifierFactory<Extract<NotifierSettings, { type: T }>>;
};

export const okResult: SendResult = { ok: true };
export function failed(error: string, retry: boolean): SendResult {
  return { ok: false, error, retry };
}
