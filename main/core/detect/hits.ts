// Which pattern categories the screen shows, and where: for each category the lowest (newest) line
// any of its patterns matches, with the id of the pattern that matched (evidence names it, so a user
// with an override file sees which file decided).
import { patternId, PANE_CATEGORIES, type PaneCategory, type VendorPatterns } from '../agents/patterns.js';
import { findLowest, type BottomLine, type LineMatch } from './screen.js';

export interface Hit extends LineMatch {
  /** `<file>: <category>[<index>]`, see patternId. */
  pattern?: string;
}

export type PaneHits = Partial<Record<PaneCategory, Hit>>;

/** Per category the lowest match over all its patterns; on the same line the earlier pattern (a
 * user's override before the built-ins) is the one quoted. */
export function paneHits(lines: BottomLine[], p: VendorPatterns): PaneHits {
  const hits: PaneHits = {};
  for (const cat of PANE_CATEGORIES) {
    let best: Hit | null = null;
    for (const re of p.pane[cat]) {
      const m = findLowest(lines, re);
      if (m && (!best || m.line > best.line)) {
        const id = patternId(re);
        best = { ...m, ...(id ? { pattern: id } : {}) };
      }
    }
    if (best) hits[cat] = best;
  }
  return hits;
}
