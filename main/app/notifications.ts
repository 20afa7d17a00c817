// The `desktop` notifier inside the app: Electron's Notification instead of notify-send/osascript.
// The core's dispatcher decides who is subscribed and never repeats a change; notificationPolicy.ts
// shapes the bubble (the core's words), folds bursts and decides the sound. A click opens the dashboard
// on that workcell's detail (clickTarget in main/common/notifyClick.ts decides where).
import { Notification } from 'electron';
import { clickTarget, type ClickTarget } from '../common/notifyClick.js';
import { STATES } from '../common/workcell.js';
import type { DesktopNotifierSettings } from '../common/settings.js';
import type { NotifierFactory } from '../core/notify/types.js';
import { NotificationPolicy, type Decision } from './notificationPolicy.js';

export interface DesktopDeps {
  icon: string;
  /** Opens the dashboard on a workcell's detail, or on the list. */
  open(target: ClickTarget): void;
  log(line: string): void;
}

export function desktopNotifier(deps: DesktopDeps): NotifierFactory<DesktopNotifierSettings> {
  // One memory of recent bubbles for every desktop notifier, so two of them never show one change twice.
  // The dispatcher already filtered by each notifier's `on`: the policy accepts every state.
  const policy = new NotificationPolicy(new Set(STATES));
  // Electron drops the click handler of a Notification that was garbage-collected: keep references
  // until the bubble is closed or clicked.
  const live = new Set<Notification>();
  let summary: Notification | null = null;

  const show = (d: Exclude<Decision, { kind: 'skip' }>): void => {
    const n = new Notification({
      title: d.title,
      body: d.body,
      urgency: d.urgency,
      icon: deps.icon,
      silent: !d.sound,
    });
    live.add(n);
    const forget = (): void => {
      live.delete(n);
    };
    n.on('close', forget);
    n.on('failed', (_e, error) => {
      forget();
      deps.log(`desktop notification failed: ${error}`);
    });
    n.on('click', () => {
      forget();
      deps.open(
        d.kind === 'show' ? clickTarget({ name: d.name, test: d.test }) : clickTarget({ names: d.names }),
      );
    });
    if (d.kind === 'summary') {
      summary?.close();
      summary = n;
    }
    n.show();
  };

  return (settings) => {
    return {
      type: 'desktop',
      async send(msg) {
        if (!Notification.isSupported())
          return { ok: false, error: 'desktop notifications are not supported on this system', retry: false };
        const d = policy.decide(msg, Date.now(), settings.sound);
        if (d.kind === 'skip') return { ok: true };
        show(d);
        return { ok: true };
      },
    };
  };
}
