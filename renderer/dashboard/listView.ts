// The live list of workcells: one dense row each, in urgency order (optionally grouped by repo), the
// state as glyph + words + "for 12m", the evidence on hover.
import { groupByRepo, matchesStateFilter, sortByUrgency } from '../../main/common/glance.js';
import { pausedUntilText } from '../../main/common/pausedUntil.js';
import type { WorkcellSummary } from '../../main/common/workcell.js';
import { usageText, type ResourceSample } from '../../main/common/resources.js';
import { h } from '../lib/dom.js';
import { age, repoShort, sinceTag, STATE_LABEL, statePill, verifyLabel } from '../lib/format.js';

export interface ListFilter {
  text: string;
  /** 'all', a group of FILTER_GROUPS, or one shown state (verify_failed included). */
  state: string;
  group: 'none' | 'repo';
}

export function matches(w: WorkcellSummary, f: ListFilter): boolean {
  if (!matchesStateFilter(w, f.state)) return false;
  const q = f.text.trim().toLowerCase();
  if (!q) return true;
  return [w.name, w.agent, w.repo, w.lastLine, STATE_LABEL[w.state]].some((s) => s.toLowerCase().includes(q));
}

/** The rows in the order they are shown (keyboard moves and "next waiting" follow it). */
export function orderRows(rows: readonly WorkcellSummary[], group: ListFilter['group']): WorkcellSummary[] {
  return group === 'repo' ? groupByRepo(rows).flatMap((g) => g.items) : sortByUrgency(rows);
}

const COLS = 7;

function row(
  w: WorkcellSummary,
  selected: string | null,
  now: number,
  onSelect: (name: string, open: boolean) => void,
  usage?: ResourceSample,
): HTMLTableRowElement {
  const v = verifyLabel(w);
  const paused = pausedUntilText(w, { now });
  return h(
    'tr',
    {
      testid: `row-${w.name}`,
      'data-name': w.name,
      'data-state': w.state,
      class: `${w.name === selected ? 'selected' : ''} ${w.muted ? 'is-muted' : ''}`,
      'aria-selected': w.name === selected ? 'true' : 'false',
      onclick: () => onSelect(w.name, false),
      ondblclick: () => onSelect(w.name, true),
    },
    h(
      'td',
      { class: 'col-state' },
      statePill(w, 'state'),
      sinceTag(w, now),
      // Past its stale threshold (housekeeping/stale.ts): hours of agent time worth a look.
      w.stale
        ? h(
            'span',
            { class: 'stale-mark', testid: 'stale', title: 'Running longer than its stale threshold' },
            ' ⧗ stale',
          )
        : null,
    ),
    h(
      'td',
      { class: 'name' },
      w.name,
      w.muted ? h('span', { class: 'muted-mark', title: 'notifications muted' }, ' ⊘') : null,
      // CPU and memory with children, sampled while this dashboard is shown (GET /api/resources).
      usage
        ? h(
            'span',
            {
              class: 'usage',
              testid: 'usage',
              title: `${usage.processes} process(es), children included; CPU is % of one core`,
            },
            usageText(usage),
          )
        : null,
    ),
    h('td', { class: 'agent col-agent' }, w.agent),
    h('td', { class: 'repo col-repo', title: w.repo }, repoShort(w.repo)),
    h(
      'td',
      { class: 'age col-age', title: `started ${new Date(w.startedAt).toLocaleString()}` },
      age(w.startedAt, w.endedAt, now),
    ),
    h('td', { class: `verify col-verify ${v.cls}`, testid: 'verify' }, v.text),
    h(
      'td',
      { class: 'last col-last', title: w.lastLine, testid: 'last-line' },
      // A rate-limited row says when it goes on; its last line is the limit message (on hover).
      paused ? h('span', { class: 'paused', testid: 'paused-until' }, paused) : w.lastLine,
    ),
  );
}

/** Reuses the row element of each workcell and only swaps its cells: a row under the pointer stays the
 * same element across live updates (a click or hover is never lost to a re-render mid-gesture). */
function keep(tbody: HTMLTableSectionElement, fresh: HTMLTableRowElement): HTMLTableRowElement {
  const name = fresh.dataset.name;
  const old = name ? tbody.querySelector<HTMLTableRowElement>(`tr[data-name="${CSS.escape(name)}"]`) : null;
  if (!old) return fresh;
  for (const a of ['class', 'data-state', 'aria-selected']) old.setAttribute(a, fresh.getAttribute(a) ?? '');
  // Cell by cell: the "for 12s" tick replaces the state cell only, not the cell under the pointer.
  const cells = [...fresh.children];
  if (old.children.length !== cells.length) old.replaceChildren(...cells);
  else cells.forEach((c, i) => old.children[i]!.outerHTML !== c.outerHTML && old.children[i]!.replaceWith(c));
  return old;
}

function place(tbody: HTMLTableSectionElement, nodes: HTMLTableRowElement[]): void {
  const same = nodes.length === tbody.children.length && nodes.every((n, i) => tbody.children[i] === n);
  if (!same) tbody.replaceChildren(...nodes);
}

export function renderList(
  tbody: HTMLTableSectionElement,
  rows: WorkcellSummary[],
  selected: string | null,
  group: ListFilter['group'],
  onSelect: (name: string, open: boolean) => void,
  now = Date.now(),
  usage: ReadonlyMap<string, ResourceSample> = new Map(),
): void {
  if (group !== 'repo') {
    place(
      tbody,
      sortByUrgency(rows).map((w) => keep(tbody, row(w, selected, now, onSelect, usage.get(w.name)))),
    );
    return;
  }
  place(
    tbody,
    groupByRepo(rows).flatMap((g) => [
      h(
        'tr',
        { class: 'group-row', testid: 'group-row' },
        h(
          'td',
          { colspan: String(COLS), title: g.repo },
          `${repoShort(g.repo)} `,
          h('span', { class: 'dim' }, `(${g.items.length})`),
        ),
      ),
      ...g.items.map((w) => keep(tbody, row(w, selected, now, onSelect, usage.get(w.name)))),
    ]),
  );
}
