// The `desktop` notifier inside the app: Electron's Notification instead of notify-send/osascript.
// The core's dispatcher decides who is subscribed and never repeats a change; notificationPolicy.ts
// shapes the bubble and folds bursts. Clicking a bubble opens that workcell's peek window.
import { Notification } from 'electron';
import { STATES } from '../common/workcell.js';
import type { DesktopNotifierSettings } from '../common/settings.js';
import type { NotifierFactory } from '../core/notify/types.js';
import { NotificationPolicy, type Decision } from './notificationPolicy.js';

export interface DesktopDeps {
  icon: string;
  openPeek(name: string): void;
  openDashboard(): void;
  log(line: string): void;
}

export function desktopNotifier(deps: DesktopDeps): NotifierFactory<DesktopNotifierSettings> {
  // The dispatcher already filtered by each desktop notifier's `on`: the policy accepts every state.
  const policy = new NotificationPolicy(new Set(STATES));
  // Electron drops the click handler of a Notification that was garbage-collected: keep references
  // until the bubble is closed or clicked.
  const live = new Set<Notification>();
  let summary: Notification | null = null;

  const show = (d: Exclude<Decision, { kind: 'skip' }>): void => {
    const n = new Notification({ title: d.title, body: d.body, urgency: d.urgency, icon: deps.icon });
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
      if (d.kind === 'show') deps.openPeek(d.name);
      else deps.openDashboard();
    });
    if (d.kind === 'summary') {
      summary?.close();
      summary = n;
    }
    n.show();
  };

  return () => ({
    type: 'desktop',
    async send(msg) {
      if (!Notification.isSupported())
        return { ok: false, error: 'desktop notifications are not supported on this system', retry: false };
      const d = policy.decide(msg, Date.now());
      if (d.kind === 'skip') return { ok: true };
      show(d);
      return { ok: true };
    },
  });
}
