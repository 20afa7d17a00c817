// What a waiting agent is asking and which answers it offers, read from its screen: the question lines
// without box borders or rules, and the choices (1/2/3, y/n, Enter, Esc) a quick reply can press. One
// reader for the dashboard's reply box, the tray's quick replies and the notification text. Pure: no
// Node, so every layer may use it.

export interface Choice {
  /** A key `workcell send --key` takes: '1'..'9', 'y', 'n', 'Enter', 'Esc'. */
  key: string;
  /** What the agent says the key does ("Yes, and don't ask again"), or the key's usual meaning. */
  label: string;
}

export interface Prompt {
  /** The meaningful lines just above the choices (or the last lines of the screen), top to bottom. */
  question: string[];
  choices: Choice[];
}

export const PROMPT_LIMITS = {
  // 4 lines: Claude's permission box is "Bash command / the command / its description / Do you want to
  // proceed?"; more is the conversation above it, which the log view shows.
  questionLines: 4,
  // A readable line in a tray menu or a phone notification; the full text is one click away.
  lineChars: 160,
} as const;

// eslint-disable-next-line no-control-regex -- terminal escape sequences are what is stripped here
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]/g;
// Box-drawing characters TUIs frame dialogs with, at either end of a line.
const EDGE = /^[\s│┃║╎╏┆┊|╭╮╰╯]+|[\s│┃║╎╏┆┊|╭╮╰╯]+$/g;
// A line made only of rules, corners, blocks and dots carries no words.
const DECORATION = /^[\s─━═┄┈╌╭╮╰╯│┃║▀▄█▌▐░▒▓⬝■.·•*_=-]*$/;
// "❯ 1. Yes", "  2) No", "› 3. No, and tell Codex what to do differently (esc)"
const OPTION = /^(?:[❯›>▶→*]\s*)?([1-9])[.)]\s+(\S.*)$/;
const YES_NO = /[([]\s*y(?:es)?\s*\/\s*n(?:o)?\s*[)\]]/i;
const ENTER_HINT = /\b(?:press\s+)?enter\s+to\s+(\w+)/i;
const ESC_HINT = /\besc(?:ape)?\b(?:\s+to\s+(\w+))?|\(esc\)/i;

/** One screen line as a person reads it: escapes and frame edges gone, spaces squeezed. */
export function cleanLine(line: string): string {
  return line.replace(ANSI, '').replace(EDGE, '').replace(/\s+/g, ' ').trim();
}

function cut(line: string): string {
  return line.length > PROMPT_LIMITS.lineChars ? `${line.slice(0, PROMPT_LIMITS.lineChars - 1)}…` : line;
}

/** The lines of a screen that carry words, top to bottom (blank lines and rules dropped). */
export function meaningfulLines(screen: string): string[] {
  return screen
    .split(/\r?\n/)
    .map(cleanLine)
    .filter((l) => l !== '' && !DECORATION.test(l));
}

/** The question and the offered answers on a waiting agent's screen. */
export function readPrompt(screen: string): Prompt {
  const lines = meaningfulLines(screen);
  // The lowest block of numbered options is the live one (older ones scrolled up in the conversation).
  let end = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (OPTION.test(lines[i]!)) {
      end = i;
      break;
    }
  }
  const choices: Choice[] = [];
  let questionEnd = lines.length;
  if (end !== -1) {
    let start = end;
    while (start > 0 && OPTION.test(lines[start - 1]!)) start--;
    for (const l of lines.slice(start, end + 1)) {
      const m = OPTION.exec(l)!;
      if (!choices.some((c) => c.key === m[1])) choices.push({ key: m[1]!, label: cut(m[2]!) });
    }
    questionEnd = start;
  } else {
    const yn = [...lines].reverse().findIndex((l) => YES_NO.test(l));
    if (yn !== -1) {
      choices.push({ key: 'y', label: 'Yes' }, { key: 'n', label: 'No' });
      questionEnd = lines.length - yn;
    }
  }
  // Enter and Esc hints below the question ("Enter to confirm · Esc to cancel") are choices, not text.
  const tail = lines.slice(end === -1 ? questionEnd - 1 : end + 1).join(' ');
  const all = lines.slice(Math.max(0, questionEnd - 1)).join(' ');
  const enter = ENTER_HINT.exec(tail);
  if (enter) choices.push({ key: 'Enter', label: enter[1] ? `Enter (${enter[1]})` : 'Enter' });
  const esc = ESC_HINT.exec(all);
  if (esc) choices.push({ key: 'Esc', label: esc[1] ? `Esc (${esc[1]})` : 'Esc' });
  const question = lines
    .slice(0, questionEnd)
    .filter((l) => !ENTER_HINT.test(l) || OPTION.test(l))
    .slice(-PROMPT_LIMITS.questionLines)
    .map(cut);
  return { question, choices };
}
