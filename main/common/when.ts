// Times as a person reads them in a notification: a reset in their own time zone and relative to now
// ("3:00 pm, in 1 h 50 m"), a run's length ("1 h 5 m"). The clock and the time zone are parameters, so
// the golden files do not depend on the machine's zone or today's date.

export interface Clock {
  /** Epoch ms "now". */
  now: number;
  /** IANA zone ("Europe/Berlin"); undefined: the machine's own. */
  timeZone?: string;
}

/** "1 h 50 m", "12 m", "2 d 3 h", "40 s": two units at most, rounded down. */
export function spanText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} m` : `${h} h`;
  if (m > 0) return `${m} m`;
  return `${s} s`;
}

function dayKey(t: number, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(t);
}

/** "3:00 pm" today, "Tue 3:00 pm" within a week, "Dec 24 3:00 pm" beyond, in the clock's zone. */
export function localTime(t: number, clock: Clock): string {
  const time = new Intl.DateTimeFormat('en-US', {
    timeZone: clock.timeZone,
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
  })
    .format(t)
    .replace(/\s?([AP])M$/i, (_m, ap: string) => ` ${ap.toLowerCase()}m`);
  if (dayKey(t, clock.timeZone) === dayKey(clock.now, clock.timeZone)) return time;
  const far = Math.abs(t - clock.now) > 6 * 86_400_000;
  const day = new Intl.DateTimeFormat('en-US', {
    timeZone: clock.timeZone,
    ...(far ? { month: 'short', day: 'numeric' } : { weekday: 'short' }),
  }).format(t);
  return `${day} ${time}`;
}

/** "resets 3:00 pm, in 1 h 50 m"; a reset already past says so. Null for an unreadable time. */
export function resetText(iso: string, clock: Clock): string | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  const at = localTime(t, clock);
  return t > clock.now ? `resets ${at}, in ${spanText(t - clock.now)}` : `reset time ${at} has passed`;
}
