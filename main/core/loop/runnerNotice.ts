// How a loop or pipeline runner tells the user (a breaker opened, a loop or pipeline ended): through
// the notifiers in settings.json, the same channels the daemon uses, one attempt each, the outcome in
// runner.log. Why not the daemon's dispatcher: its dedupe ledger has one writer (the daemon, under
// its leader lock), and the events here are the runner's own, recorded in its state before they are
// sent, so there is nothing to deduplicate across processes. What this gives up: secrets the tray app
// handed the daemon from its keychain are not here (file, env and inline secrets are), and a runner
// killed between recording and sending does not send.
import type { WorkcellState } from '../../common/workcell.js';
import type { NotifyMessage } from '../../common/notify.js';
import { notifyMatches } from '../../common/notify.js';
import type { ControlDir } from '../paths.js';
import { loadSettings } from '../settings.js';
import { buildNotifiers } from '../notify/registry.js';
import { Redactor, makeSecretResolver, registerInlineSecrets } from '../notify/secrets.js';

// As the dispatcher's per-attempt deadline: a channel slower than this is down.
const SEND_TIMEOUT_MS = 10_000;

export interface UserNotice {
  /** The loop or pipeline: notifications name it as they name a workcell. */
  name: string;
  /** `done` for a finish, `failed` for a breaker or a failed end: what the user subscribes to. */
  state: Extract<WorkcellState, 'done' | 'failed'>;
  /** loop_breaker_open, loop_done, pipeline_failed, ...: a notifier can subscribe to it by name. */
  reason: string;
  title: string;
  body: string;
  /** The command that shows it (workcell loop --status NAME). */
  next: string;
  /** Stable per event: the channel's idempotency key. */
  id: string;
  at: Date;
}

export type NoticeSender = (n: UserNotice) => Promise<void>;

/** A sender for this home's notifiers; every outcome (and a broken settings file) goes to `log`. */
export function userNotifier(dir: ControlDir, log: (line: string) => void): NoticeSender {
  return async (n) => {
    const settings = loadSettings(dir);
    if (!settings.ok) return log(`NOTICE not sent (${settings.error.message}): ${n.title}`);
    if (settings.value.muted.includes(n.name)) return log(`NOTICE muted: ${n.title}`);
    const redactor = new Redactor();
    registerInlineSecrets(settings.value, redactor);
    const ctx = {
      env: process.env,
      platform: process.platform,
      secrets: makeSecretResolver(process.env, dir.root, redactor),
    };
    const targets = buildNotifiers(settings.value, ctx).filter((t) => notifyMatches(t.on, n));
    const msg = toMessage(n);
    log(`NOTICE ${n.title}: ${n.body}`);
    await Promise.all(
      targets.map(async (t) => {
        try {
          const r = await t.notifier.send(msg, AbortSignal.timeout(SEND_TIMEOUT_MS));
          log(r.ok ? `notified ${t.key}` : `notify ${t.key} failed: ${redactor.redact(r.error)}`);
        } catch (e) {
          log(`notify ${t.key} failed: ${redactor.redact((e as Error).message)}`);
        }
      }),
    );
  };
}

function toMessage(n: UserNotice): NotifyMessage {
  const body = `${n.body}\n${n.next}`;
  return {
    changeId: n.id,
    idempotencyKey: n.id,
    name: n.name,
    state: n.state,
    from: null,
    at: n.at.toISOString(),
    title: n.title,
    body,
    text: `${n.title}\n${body}`,
    attach: n.next,
    url: null,
    excerpt: '',
    reason: n.reason,
    exitCode: null,
    signal: null,
    resetAt: null,
    evidence: null,
    verified: null,
    runDir: null,
    urgency: n.state === 'failed' ? 'critical' : 'normal',
    test: false,
  };
}
