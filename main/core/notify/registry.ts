// Which adapter serves which `type`, and the keys that name configured notifiers in the dedupe ledger
// and in events. The app overrides entries (e.g. `desktop`) by passing a partial factory map.
import type { NotifierType } from '../../common/notify.js';
import type { NotifierSettings, Settings } from '../../common/settings.js';
import type { NotifyOn } from '../../common/notify.js';
import { commandNotifier, desktopNotifier, openclawNotifier } from './exec.js';
import { slackNotifier, telegramNotifier, webhookNotifier } from './http.js';
import type { Notifier, NotifierContext, NotifierFactories, NotifierFactory } from './types.js';

export const DEFAULT_FACTORIES: NotifierFactories = {
  desktop: desktopNotifier,
  slack: slackNotifier,
  telegram: telegramNotifier,
  webhook: webhookNotifier,
  command: commandNotifier,
  openclaw: openclawNotifier,
};

export interface ConfiguredNotifier {
  /** Stable name in the ledger and events: `name`, else the type; `slack#2` for a second slack. */
  key: string;
  type: NotifierType;
  on: readonly NotifyOn[];
  notifier: Notifier;
}

export function notifierKeys(list: readonly NotifierSettings[]): string[] {
  const seen = new Map<string, number>();
  return list.map((n) => {
    const base = n.name ?? n.type;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}#${count}`;
  });
}

export function buildNotifiers(
  settings: Settings,
  ctx: NotifierContext,
  overrides: Partial<NotifierFactories> = {},
): ConfiguredNotifier[] {
  const keys = notifierKeys(settings.notifiers);
  return settings.notifiers.map((n, i) => {
    // The map is keyed by type, so the factory matches the settings variant; TS cannot correlate them.
    const factory = (overrides[n.type] ?? DEFAULT_FACTORIES[n.type]) as NotifierFactory;
    return { key: keys[i]!, type: n.type, on: n.on, notifier: factory(n, ctx) };
  });
}
