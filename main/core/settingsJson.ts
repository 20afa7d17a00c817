// settings.json from bytes to a JSON value, without zod: read (a UTF-8 BOM is dropped), JSON.parse, and
// on a syntax error the line, column and what to change, never the file's text (it may hold a secret).
// Kept apart from the schema so `ls` can tell a broken file from a good one without loading zod.
import { closeSync, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { DEFAULT_LIMITS } from '../common/settings.js';
import { err, ok, type Result } from './result.js';

/** Identifies one version of a file: a rename-save changes ino, an in-place write changes size/mtime. */
export interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

export const stampOf = (st: Stats): FileStamp => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });

export const sameStamp = (a: FileStamp | null | undefined, b: FileStamp | null | undefined): boolean =>
  !!a && !!b && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

export type SettingsText =
  | { kind: 'absent' }
  | { kind: 'unreadable'; code: string }
  | { kind: 'text'; text: string; stamp: FileStamp };

/** Reads the file and stats the same open file, so text and stamp describe one version even when an
 * editor renames a new file over it meanwhile. A UTF-8 BOM (Notepad, some Windows editors) is dropped. */
export function readSettingsText(file: string): SettingsText {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    // ENOENT: no settings yet (defaults); ENOTDIR: the control dir itself is gone or a file.
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'absent' } : { kind: 'unreadable', code };
  }
  try {
    const text = readFileSync(fd, 'utf8');
    const stamp = stampOf(fstatSync(fd));
    return { kind: 'text', text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, stamp };
  } catch (e) {
    // EISDIR (settings.json is a directory) or EIO: reported as unreadable
    return { kind: 'unreadable', code: (e as NodeJS.ErrnoException).code ?? String(e) };
  } finally {
    closeSync(fd);
  }
}

/** JSON.parse with an actionable error: `FILE: invalid JSON at line 3, column 5: trailing ',' ...`.
 * An empty file is `{}` (a fresh `touch settings.json` means defaults). */
export function parseJsonText(text: string, file: string): Result<unknown> {
  if (text.trim() === '') return ok({});
  try {
    return ok(JSON.parse(text));
  } catch {
    // V8's message can quote the file's text, which may hold a secret: we describe the error ourselves.
    const { offset, what } = describeJsonError(text, jsonErrorOffset(text));
    const { line, column } = lineColumn(text, offset);
    return err('BAD_SETTINGS', `${file}: invalid JSON at line ${line}, column ${column}: ${what}`);
  }
}

/** What is wrong at a syntax error offset, and where to point the user: a trailing comma is reported at
 * the comma, which is what they must delete. Shows at most one punctuation character of the file. */
export function describeJsonError(text: string, offset: number): { offset: number; what: string } {
  if (offset >= text.length)
    return { offset, what: "the file ends too early (a closing '}', ']' or '\"' is missing)" };
  const c = text[offset]!;
  if (c === '}' || c === ']') {
    let p = offset - 1;
    while (p >= 0 && ' \t\n\r'.includes(text[p]!)) p--;
    if (text[p] === ',')
      return { offset: p, what: `trailing ',' before '${c}': delete it (JSON allows no trailing comma)` };
  }
  if (c === '/') return { offset, what: "unexpected '/': JSON allows no comments" };
  if (c === "'") return { offset, what: "unexpected ''': JSON strings use double quotes" };
  if (c.charCodeAt(0) < 0x20) return { offset, what: 'a line break or control character inside a string' };
  if (c === '"') return { offset, what: "unexpected '\"' (a ',' missing before it?)" };
  if ('{}[]:,'.includes(c)) return { offset, what: `unexpected '${c}'` };
  return { offset, what: 'unexpected character (a missing quote or comma?)' };
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Offset of the first JSON syntax error. V8's message carries a position only for some errors
 * ("Unexpected token '}', ... is not valid JSON" has none), so we find it with a small scanner. */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const str = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else num();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (at) {
    if (typeof at === 'number') return Math.min(at, text.length);
    throw at;
  }
}

/** `verifyAt` as the in-pane finisher needs it, without loading the schema (every exit starts one
 * finisher; zod would cost each ~50 ms). Anything unreadable or invalid means the default, `both`: the
 * supervisor reports a broken file, the finisher must not skip a check because of one. */
export function verifyAtOf(file: string): 'both' | 'turn' | 'exit' {
  const t = readSettingsText(file);
  if (t.kind !== 'text') return 'both';
  try {
    const v = (JSON.parse(t.text) as { verifyAt?: unknown } | null)?.verifyAt;
    return v === 'turn' || v === 'exit' ? v : 'both';
  } catch {
    // broken JSON: the default (the daemon's log and `doctor` say what is wrong)
    return 'both';
  }
}

/** `journalNotesDir` for the journal writers (start, resume, the finisher), without the schema (same
 * reason as verifyAtOf). Anything unreadable means none. */
export function journalNotesDirOf(file: string): string | null {
  const t = readSettingsText(file);
  if (t.kind !== 'text') return null;
  try {
    const v = (JSON.parse(t.text) as { journalNotesDir?: unknown } | null)?.journalNotesDir;
    return typeof v === 'string' && v ? v : null;
  } catch {
    // broken JSON: no notes copy (the daemon's log and `doctor` say what is wrong)
    return null;
  }
}

/** `verifyTimeoutSeconds` and `agentLogMaxMB` for the finisher and the log writer, without the schema
 * (same reason as verifyAtOf). A missing, broken or non-positive value means the default: a broken file
 * must never turn off the bounds. */
export function limitsOf(file: string): { verifyTimeoutSeconds: number; agentLogMaxMB: number } {
  const out: { verifyTimeoutSeconds: number; agentLogMaxMB: number } = { ...DEFAULT_LIMITS };
  const t = readSettingsText(file);
  if (t.kind !== 'text') return out;
  try {
    const j = JSON.parse(t.text) as Record<string, unknown> | null;
    for (const k of ['verifyTimeoutSeconds', 'agentLogMaxMB'] as const) {
      const v = j?.[k];
      if (typeof v === 'number' && Number.isFinite(v) && v > 0) out[k] = v;
    }
  } catch {
    // broken JSON: the defaults (the daemon's log and `doctor` say what is wrong)
  }
  return out;
}
