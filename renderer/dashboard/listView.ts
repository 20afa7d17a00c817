// The live list of workcells: one dense row each, state with its evidence on hover.
import type { WorkcellSummary } from '../../main/common/workcell.js';
import { h } from '../lib/dom.js';
import { age, evidenceText, repoShort, STATE_GROUPS, STATE_LABEL, verifyLabel } from '../lib/format.js';

export interface ListFilter {
  text: string;
  /** 'all', a group of STATE_GROUPS, or one state. */
  state: string;
}

const AGED = new Set(['waiting', 'idle', 'stalled', 'auth_failed', 'orphaned']);

export function matches(w: WorkcellSummary, f: ListFilter): boolean {
  if (f.state !== 'all') {
    const group = STATE_GROUPS[f.state];
    if (group ? !group.includes(w.state) : w.state !== f.state) return false;
  }
  const q = f.text.trim().toLowerCase();
  if (!q) return true;
  return [w.name, w.agent, w.repo, w.lastLine, STATE_LABEL[w.state]].some((s) => s.toLowerCase().includes(q));
}

export function renderList(
  tbody: HTMLTableSectionElement,
  rows: WorkcellSummary[],
  selected: string | null,
  onSelect: (name: string, open: boolean) => void,
): void {
  const now = Date.now();
  tbody.replaceChildren(
    ...rows.map((w) => {
      const v = verifyLabel(w);
      const tr = h(
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
          {},
          h(
            'span',
            { class: `state state-${w.state}`, title: evidenceText(w), testid: 'state' },
            STATE_LABEL[w.state],
          ),
          // How long it has waited / sat idle / made no progress: persisted, so true across restarts.
          AGED.has(w.state) && w.stateSince
            ? h(
                'span',
                {
                  class: 'since',
                  title: `since ${new Date(w.stateSince).toLocaleString()}`,
                  testid: 'since',
                },
                age(w.stateSince, null, now),
              )
            : null,
        ),
        h(
          'td',
          { class: 'name' },
          w.name,
          w.muted ? h('span', { class: 'muted-mark', title: 'notifications muted' }, ' ⊘') : null,
        ),
        h('td', { class: 'agent' }, w.agent),
        h('td', { class: 'repo col-repo', title: w.repo }, repoShort(w.repo)),
        h(
          'td',
          { class: 'age', title: `started ${new Date(w.startedAt).toLocaleString()}` },
          age(w.startedAt, w.endedAt, now),
        ),
        h('td', { class: `verify col-verify ${v.cls}`, testid: 'verify' }, v.text),
        h('td', { class: 'last', title: w.lastLine, testid: 'last-line' }, w.lastLine),
      );
      return tr;
    }),
  );
}
