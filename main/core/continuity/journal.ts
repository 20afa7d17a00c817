// The journal: $WORKCELLS_HOME/journal/YYYY-MM-DD.md, one line per start, end, resume and automatic
// action under "Active long-running work", so the day's work reads as notes and "session died ->
// restart with the same command" is one copy-paste. Append-only (one O_APPEND write per line). The
// day is the UTC date of the injected clock: a test never depends on the machine's time zone.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { shQuote } from '../../common/shellQuote.js';
import { isEnded, type WorkcellSummary } from '../../common/workcell.js';
import type { ControlDir } from '../paths.js';
import { journalNotesDirOf } from '../settingsJson.js';

export interface JournalEntry {
  /** start | end | resume | recovery (automatic action) | ... */
  kind: string;
  name: string;
  repo: string;
  agent: string;
  state: string;
  /** The agent's argv of this pass: the journal shows it as one copy-pasteable shell line. */
  argv: readonly string[];
  /** One short note: how it resumed, why it ended, what the automatic action was. */
  note?: string;
}

export const JOURNAL_HEADING = '## Active long-running work';

export function journalPath(dir: ControlDir, now: Date): string {
  return join(dir.root, 'journal', `${now.toISOString().slice(0, 10)}.md`);
}

/** One journal line. The command is quoted by the one shell quoter (never run by us). */
export function journalLine(e: JournalEntry, now: Date): string {
  const time = now.toISOString().slice(11, 16);
  const cmd = `cd ${shQuote(e.repo)} && ${e.argv.map(shQuote).join(' ')}`;
  const note = e.note ? ` (${e.note.replace(/\s+/g, ' ').slice(0, 200)})` : '';
  return `- ${time}Z ${e.kind} **${e.name}** ${e.agent} in ${e.repo}, ${e.state}${note}; resume: \`workcell resume ${e.name}\`; same command: \`${cmd}\`\n`;
}

/** Appends one line to today's journal (and to `notesDir`'s copy when the user named one). Never
 * throws: the journal is for people, a full disk must not fail a start or a resume. */
export async function appendJournal(
  dir: ControlDir,
  e: JournalEntry,
  o: { now?: Date; notesDir?: string | null } = {},
): Promise<void> {
  const now = o.now ?? new Date();
  const targets = [journalPath(dir, now)];
  const notesDir = o.notesDir === undefined ? journalNotesDirOf(dir.settings) : o.notesDir;
  if (notesDir) targets.push(join(notesDir, `${now.toISOString().slice(0, 10)}-workcells.md`));
  for (const file of targets) {
    try {
      await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
      const had = await readFile(file, 'utf8').catch(() => null); // ENOENT: the day's first line
      const head =
        had === null ? `# Workcells ${now.toISOString().slice(0, 10)} (UTC)\n\n${JOURNAL_HEADING}\n\n` : '';
      await appendFile(file, head + journalLine(e, now), { mode: 0o600 });
    } catch {
      // ENOSPC, EACCES (a notes folder that went away): the journal is a convenience, skip it
    }
  }
}

/** What to tell the user before the supervisor stops (or the app quits) while workcells live: they
 * keep running unwatched; each is named, with where its line in the journal is. Null when none. */
export function liveReminder(dir: ControlDir, list: readonly WorkcellSummary[], now: Date): string | null {
  const live = list.filter((w) => !isEnded(w.state));
  if (!live.length) return null;
  return (
    `workcell: ${live.length} workcell(s) still live and will run unwatched until the supervisor starts again: ` +
    `${live.map((w) => `${w.name} (${w.agent}, ${w.state})`).join(', ')}\n` +
    `  they are listed in ${journalPath(dir, now)}; see them with: workcell ls\n`
  );
}

/** What the tray app says as it quits with live workcells: they go on, watched by the daemon it hands
 * over to, and where they are written down. Null when nothing is live. */
export function quitReminder(
  dir: ControlDir,
  list: readonly WorkcellSummary[],
  now: Date,
): { title: string; body: string } | null {
  const live = list.filter((w) => !isEnded(w.state));
  if (!live.length) return null;
  const shown = live.slice(0, 5).map((w) => `${w.name} (${w.agent}, ${w.state})`);
  const more = live.length > shown.length ? `, and ${live.length - shown.length} more` : '';
  return {
    title: `${live.length} workcell${live.length === 1 ? '' : 's'} still running`,
    body:
      `${shown.join(', ')}${more} keep running; the supervisor daemon goes on watching them.\n` +
      `Listed in ${journalPath(dir, now)}. See them with: workcell ls`,
  };
}
