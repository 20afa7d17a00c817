// The PRD checklist a loop works through: `- [ ]` / `- [x]` items under a heading named "Tasks"
// (any level), up to the next heading of the same or a higher level. Items are known by their text,
// not their line: an agent that edits the PRD moves lines around.
import { createHash } from 'node:crypto';

export interface PrdItem {
  /** Stable id: the item's position among the checklist items plus a hash of its text. */
  key: string;
  /** 1-based position among the checklist items. */
  ordinal: number;
  /** 0-based line in the file. */
  line: number;
  text: string;
  done: boolean;
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const ITEM = /^(\s*[-*+]\s+\[)([ xX])(\]\s+)(.*?)\s*$/;

export function parsePrd(text: string): PrdItem[] {
  const lines = text.split('\n');
  const out: PrdItem[] = [];
  let level = 0; // inside a Tasks section of this heading level; 0 = outside
  for (let i = 0; i < lines.length; i++) {
    const h = HEADING.exec(lines[i]!);
    if (h) {
      const l = h[1]!.length;
      if (/^tasks\b/i.test(h[2]!)) level = l;
      else if (level && l <= level) level = 0;
      continue;
    }
    if (!level) continue;
    const m = ITEM.exec(lines[i]!);
    if (!m) continue;
    const text = m[4]!;
    const ordinal = out.length + 1;
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 6);
    out.push({ key: `i${ordinal}-${hash}`, ordinal, line: i, text, done: m[2] !== ' ' });
  }
  return out;
}

/** The item with this text, wherever it moved to (null when the agent removed it). */
export function findItem(items: readonly PrdItem[], text: string): PrdItem | null {
  return items.find((i) => i.text === text) ?? null;
}

/** The file with the item's box set to `done`, or null when the item is not there. */
export function setBox(text: string, itemText: string, done: boolean): string | null {
  const lines = text.split('\n');
  const item = findItem(parsePrd(text), itemText);
  if (!item) return null;
  lines[item.line] = lines[item.line]!.replace(
    ITEM,
    (_m, a: string, _b, c: string, d: string) => `${a}${done ? 'x' : ' '}${c}${d}`,
  );
  return lines.join('\n');
}

/** A short slug for branch names: `workcell/<loop>/<slug>`. */
export function itemSlug(item: PrdItem): string {
  const words = item.text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 24)
    .replace(/-+$/, '');
  return `${item.ordinal}${words ? `-${words}` : ''}`;
}
