// The last evidence that a resume reopened the conversation, for when no hook fires and the transcript
// does not grow (a vendor without hooks, a store in a database, a TUI that writes only on the next
// turn): the conversation on screen. A reopened session redraws its earlier turns; a fresh one never
// shows the task the first pass was given. So the marks are lines of that first prompt, taken from the
// argv of the pass that typed it, and carried from resume to resume. Pure.

/** The prompt element of a launch argv, in each adapter's shape: after `--`, a `--prompt=` /
 * `--prompt-interactive=` value, or the value of `--interactive` / `-i` / `-p` / `--message`. */
export function promptOf(argv: readonly string[]): string | null {
  const dd = argv.indexOf('--');
  if (dd >= 0 && argv[dd + 1] !== undefined) return argv[dd + 1]!;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = /^--prompt(?:-interactive)?=([\s\S]*)$/.exec(a);
    if (eq) return eq[1]!;
    if (['--interactive', '-i', '-p', '--message'].includes(a) && argv[i + 1] !== undefined)
      return argv[i + 1]!;
  }
  return null;
}

// Short enough that a TUI's prefix ("> ", "│ ") and an 80-column pane never wrap it, long enough to be
// the task's own words; at least a few letters, so a line of punctuation is never a mark.
const MARK_CHARS = 32;
const MIN_CHARS = 12;

/** Up to three lines of the first prompt, each cut to 32 characters, whitespace collapsed. */
export function screenMarks(prompt: string | null): string[] {
  if (!prompt) return [];
  const out: string[] = [];
  for (const raw of prompt.split('\n')) {
    const line = raw.replace(/\s+/g, ' ').trim();
    if (line.length < MIN_CHARS || (line.match(/[A-Za-z]/g)?.length ?? 0) < 4) continue;
    out.push(line.slice(0, MARK_CHARS).trim());
    if (out.length === 3) break;
  }
  return out;
}

/** The mark a screen shows (its lines whitespace-collapsed), or null. */
export function markOnScreen(screen: string, marks: readonly string[]): string | null {
  if (!marks.length) return null;
  const lines = screen.split('\n').map((l) => l.replace(/\s+/g, ' '));
  return marks.find((m) => lines.some((l) => l.includes(m))) ?? null;
}
