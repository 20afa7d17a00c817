// When does a usage limit lift? Parses the reset time out of the text vendors print ("resets 3pm",
// "try again in 2h 10m", "retry after 30s", an epoch, an ISO timestamp, "Nov 22 at 5am").
// Pure: `now` and the time zone are injected, so tests do not depend on the machine's clock or TZ.

export interface ResetAtOptions {
  now: Date;
  /** IANA zone the vendor printed wall-clock times in when the text names none (default: this machine's). */
  timeZone?: string;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Epoch values outside this window are not timestamps (a port, a token count, a pid).
const EPOCH_MIN_S = 1_000_000_000; // 2001-09
const EPOCH_MAX_S = 4_102_444_800; // 2100-01

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

function unitOf(word: string): keyof typeof UNIT_MS | null {
  const w = word.toLowerCase();
  if (w === 'ms' || w.startsWith('millisec')) return 'ms';
  if (w === 'd' || w.startsWith('day')) return 'd';
  if (w === 'h' || w === 'hr' || w === 'hrs' || w.startsWith('hour')) return 'h';
  if (w === 'm' || w.startsWith('min')) return 'm';
  if (w === 's' || w.startsWith('sec')) return 's';
  return null;
}

const DURATION_PART = String.raw`(\d+(?:\.\d+)?)\s*(milliseconds?|ms|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b`;
const DURATION = new RegExp(
  String.raw`\b(?:in|after)\s+((?:${DURATION_PART}(?:\s*,\s*|\s+and\s+|\s*)?)+)`,
  'i',
);
const BARE_RETRY_AFTER = /\bretry[- ]after:?\s+(\d+)(?!\s*[a-z\d.:])/i;
const ISO = /\b(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?/;
const EPOCH = /(?<![\d.:-])(\d{13}|\d{10})(?![\d.:])/;
const MONTH_DAY =
  /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?/i;
const CLOCK_12 = /\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?(?![a-z])/i;
const CLOCK_24 = /\b([01]?\d|2[0-3]):([0-5]\d)\b/;
const ZONE = /\(([A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)+|UTC|GMT)\)|\b(UTC|GMT)\b/;
// Zone abbreviations vendors print after a clock ("Access resets at 3:10 PM PST"), as fixed offsets
// (Etc/GMT+8 is UTC-8): the abbreviation already says whether daylight time applies.
const ABBREV: Record<string, string> = {
  PST: 'Etc/GMT+8',
  PDT: 'Etc/GMT+7',
  MST: 'Etc/GMT+7',
  MDT: 'Etc/GMT+6',
  CST: 'Etc/GMT+6',
  CDT: 'Etc/GMT+5',
  EST: 'Etc/GMT+5',
  EDT: 'Etc/GMT+4',
  AKST: 'Etc/GMT+9',
  AKDT: 'Etc/GMT+8',
  HST: 'Etc/GMT+10',
  CET: 'Etc/GMT-1',
  CEST: 'Etc/GMT-2',
  EET: 'Etc/GMT-2',
  EEST: 'Etc/GMT-3',
  BST: 'Etc/GMT-1',
  JST: 'Etc/GMT-9',
  KST: 'Etc/GMT-9',
  AEST: 'Etc/GMT-10',
  AEDT: 'Etc/GMT-11',
};
const ABBREV_RE = new RegExp(`\\b(${Object.keys(ABBREV).join('|')})\\b`);
// tmux's "Pane is dead (status 1, Mon Nov 30 13:58:27 2026)": the time the pane died, never a reset.
const TMUX_DEAD = /Pane is dead \((?:status|signal) [^)]*\)/g;

/** The reset moment as an ISO string, or null when the text names none we understand. */
export function parseResetAt(text: string, opts: ResetAtOptions): string | null {
  const t = text.replace(TMUX_DEAD, ' ').replace(/\s+/g, ' ');
  const nowMs = opts.now.getTime();

  const iso = ISO.exec(t);
  if (iso) {
    const [, y, mo, d, h, mi, s, frac, zone] = iso;
    if (zone) {
      const ms = Date.parse(
        `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${frac ? `.${frac.slice(0, 3)}` : ''}${zone}`,
      );
      return Number.isNaN(ms) ? null : new Date(ms).toISOString();
    }
    const tz = zoneOf(t) ?? opts.timeZone;
    return isoOf(zonedToUtc(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? 0), tz));
  }

  const dur = DURATION.exec(t);
  if (dur) {
    let total = 0;
    for (const m of dur[1]!.matchAll(new RegExp(DURATION_PART, 'gi'))) {
      const unit = unitOf(m[2]!);
      if (unit) total += Number(m[1]) * UNIT_MS[unit]!;
    }
    if (total > 0) return isoOf(nowMs + total);
  }
  const bare = BARE_RETRY_AFTER.exec(t);
  if (bare) return isoOf(nowMs + Number(bare[1]) * 1000);

  const epoch = EPOCH.exec(t);
  if (epoch) {
    const n = Number(epoch[1]);
    const secs = epoch[1]!.length === 13 ? n / 1000 : n;
    if (secs >= EPOCH_MIN_S && secs <= EPOCH_MAX_S) return isoOf(secs * 1000);
  }

  return parseWallClock(t, nowMs, zoneOf(t) ?? opts.timeZone);
}

/** "3pm", "3:45 PM", "15:00", "Nov 22 at 5am", "Nov 22nd, 2025 5:00 AM" in the given zone. */
function parseWallClock(t: string, nowMs: number, tz: string | undefined): string | null {
  const md = MONTH_DAY.exec(t);
  // Look for the clock after the date when there is one, so "Nov 22" is not read as a time.
  const rest = md ? t.slice(md.index + md[0].length) : t;
  let hour: number | null = null;
  let minute = 0;
  const c12 = CLOCK_12.exec(rest);
  if (c12) {
    const h = Number(c12[1]);
    if (h < 1 || h > 12) return null;
    hour = (h % 12) + (c12[3]!.toLowerCase() === 'p' ? 12 : 0);
    minute = c12[2] ? Number(c12[2]) : 0;
  } else {
    const c24 = CLOCK_24.exec(rest);
    if (c24) {
      hour = Number(c24[1]);
      minute = Number(c24[2]);
    }
  }
  if (minute > 59) return null;
  const today = wallParts(nowMs, tz);

  if (md) {
    const month = MONTHS.indexOf(md[1]!.toLowerCase()) + 1;
    const day = Number(md[2]);
    if (day < 1 || day > 31) return null;
    let year = md[3] ? Number(md[3]) : today.year;
    let at = zonedToUtc(year, month, day, hour ?? 0, minute, 0, tz);
    // A date without a year that lies well in the past is next year's ("Jan 2" printed on Dec 30).
    if (!md[3] && at < nowMs - GRACE_PAST_DATE_MS) {
      year += 1;
      at = zonedToUtc(year, month, day, hour ?? 0, minute, 0, tz);
    }
    return isoOf(at);
  }
  if (hour === null) return null;
  let at = zonedToUtc(today.year, today.month, today.day, hour, minute, 0, tz);
  // "resets 3pm" seen at 4pm means tomorrow; a minute of slack covers a message printed right at the reset.
  if (at < nowMs - GRACE_PAST_CLOCK_MS) {
    const tomorrow = wallParts(at + 86_400_000 + 3_600_000, tz); // +25h lands on the next day across DST
    at = zonedToUtc(tomorrow.year, tomorrow.month, tomorrow.day, hour, minute, 0, tz);
  }
  return isoOf(at);
}

// Slack before a parsed time counts as "already past": a message printed just at the reset still means today.
const GRACE_PAST_CLOCK_MS = 60_000;
// A month/day a day in the past is still this year's (the limit just lifted); further back means next year.
const GRACE_PAST_DATE_MS = 86_400_000;

function zoneOf(t: string): string | undefined {
  const a = ABBREV_RE.exec(t);
  if (a) return ABBREV[a[1]!];
  const m = ZONE.exec(t);
  const z = m?.[1] ?? m?.[2];
  if (!z) return undefined;
  return validZone(z) ? (z === 'GMT' ? 'UTC' : z) : undefined;
}

function validZone(z: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z });
    return true;
  } catch {
    // RangeError: an unknown zone name in vendor text ("(Local)"); treat as no zone given
    return false;
  }
}

function isoOf(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallParts(ms: number, tz: string | undefined): WallParts {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return {
    year: p.year!,
    month: p.month!,
    day: p.day!,
    hour: p.hour! % 24,
    minute: p.minute!,
    second: p.second!,
  };
}

/** UTC milliseconds of a wall-clock time in `tz` (two passes settle the offset across DST changes). */
export function zonedToUtc(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  tz: string | undefined,
): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let guess = wall;
  for (let i = 0; i < 2; i++) {
    const p = wallParts(guess, tz);
    const offset = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - guess;
    guess = wall - offset;
  }
  return guess;
}
