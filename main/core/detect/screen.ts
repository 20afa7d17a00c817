// Screen text as patterns should see it: the bottom block only, borders and paths removed, `’` as `'`,
// and lines searched in windows of up to three so a message the TUI hard-wrapped at the pane width
// still matches (DESIGN.md §6: screens wrap and truncate with `…`, every TUI prints its cwd).

// ANSI CSI / OSC sequences, for screens captured with `capture-pane -e`.
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]/g;
// Box-drawing and block characters TUIs frame dialogs with, at either end of a line.
const EDGE = /^[\s│┃║╎╏┆┊|╭╮╰╯╹╻]+|[\s│┃║╎╏┆┊|╭╮╰╯╹╻]+$/g;
// A line made only of rules, blocks and spinner dots carries no words.
const DECORATION = /^[\s─━═┄┈╌▀▄█▌▐░▒▓⬝■.·•*]*$/;
// Absolute, home and relative paths of two or more segments (the cwd every TUI prints, file names in
// output). One-segment tokens like `/login` survive: they are commands the patterns need.
const PATH = /(?:~|\.{1,2})?(?:\/[\w.@%+=:,-]+){2,}\/?|~\/[\w.@%+=:,-]*/g;

// Space-like glyphs some TUIs draw instead of a space (no-break, en/em/thin spaces, the blank braille
// cell): patterns are written with plain spaces.
const GLYPH_SPACE = /[\u00A0\u2000-\u200B\u202F\u205F\u3000\u2800⬝]/g;
// tmux's own line under a dead pane (remain-on-exit): never the agent's words, and its date is no reset.
const TMUX_DEAD = /^Pane is dead \((?:status|signal) [^)]*\)$/;
// A JavaScript/Python stack frame: noise between an error message and the end of a dead screen.
const STACK_FRAME = /^(?:at (?:async )?(?:[\w.$<>[\]]+ \(|file:|node:|<anonymous>)|File "[^"]*", line \d+)/;

/** How many consecutive lines a wrapped message may span (80-column panes wrap long errors in three). */
const WRAP_WINDOW = 3;

export interface BottomLine {
  /** What the patterns see. */
  text: string;
  /** The line as captured, trimmed: what evidence quotes. */
  raw: string;
}

export function normalizeLine(line: string): string {
  return line
    .replace(ANSI, '')
    .replace(GLYPH_SPACE, ' ')
    .replace(/[’‘]/g, "'")
    .replace(PATH, ' ')
    .replace(EDGE, '')
    .replace(/…$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The last `n` lines that carry words, top to bottom (blank lines, rules, tmux's "Pane is dead" line
 * and stack frames never count: on a tall pane a one-line error above 40 blank lines is still read).
 * `n` = Infinity reads the whole screen (a dead pane: its error may sit far above a stack trace). */
export function bottomLines(screen: string, n: number): BottomLine[] {
  const out: BottomLine[] = [];
  const lines = screen.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0 && out.length < n; i--) {
    const raw = lines[i]!.replace(ANSI, '').replace(GLYPH_SPACE, ' ').replace(EDGE, '').replace(/\s+/g, ' ');
    const text = normalizeLine(lines[i]!);
    if (text === '' || DECORATION.test(text) || TMUX_DEAD.test(raw.trim()) || STACK_FRAME.test(raw.trim()))
      continue;
    out.push({ text, raw: raw.trim() });
  }
  return out.reverse();
}

export interface LineMatch {
  match: RegExpExecArray;
  /** The captured line(s) the match spans, trimmed and joined with one space. */
  detail: string;
  /** Index of the first matched line in the bottom block (higher = lower on the screen = newer). */
  line: number;
  /** How many lines the match spans (a wrapped message: up to three). */
  span: number;
}

/** The lowest (most recent) place on the screen where `re` matches. Each line is tried joined with
 * the next two (a wrapped message), then alone (patterns anchored with ^...$). */
export function findLowest(lines: BottomLine[], re: RegExp): LineMatch | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const last = Math.min(lines.length, i + WRAP_WINDOW);
    let joined = '';
    const ends: number[] = [];
    for (let j = i; j < last; j++) {
      joined += (j > i ? ' ' : '') + lines[j]!.text;
      ends.push(joined.length);
    }
    for (const [text, spanEnds] of [
      [joined, ends],
      [lines[i]!.text, [lines[i]!.text.length]],
    ] as const) {
      re.lastIndex = 0;
      const m = re.exec(text);
      // A match that starts on a later line belongs to that line and was already tried.
      if (!m || m.index > spanEnds[0]!) continue;
      const endAt = m.index + Math.max(m[0].length - 1, 0);
      let lastLine = spanEnds.findIndex((e) => e > endAt);
      if (lastLine < 0) lastLine = spanEnds.length - 1;
      const detail = lines
        .slice(i, i + lastLine + 1)
        .map((l) => l.raw)
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim();
      return {
        match: m,
        line: i,
        span: lastLine + 1,
        detail: detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL - 1)}…` : detail,
      };
    }
  }
  return null;
}

// Evidence is one readable line in `workcell explain` and a notification; a screen-wide quote is not.
const MAX_DETAIL = 300;

// Spinner glyphs, elapsed-time counters and retry countdowns change every frame without any progress
// (copilot's busy line cycles ○ ◎ ◉ ●; its answers keep their text).
const CHURN =
  /[\u2800-\u28FF✻✳✶✢✽·•◦⬝■▪▫◐◓◑◒○◎◉●|/\\-]|\d+(?:\.\d+)?\s*(?:ms|s|m|h)\b|attempt #?\d+|\d+\/\d+/g;

/** A fingerprint of the screen that ignores spinners and timers: when it changes, the agent made
 * progress. The supervisor compares it across captures to set `DetectInput.lastProgressAt`. */
export function progressKey(screen: string): string {
  return screen
    .replace(ANSI, '')
    .split(/\r?\n/)
    .map((l) => l.replace(CHURN, '').replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}
