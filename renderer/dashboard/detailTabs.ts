// The detail pane's state-first tabs (issue 10): "now" (the question, the screen, time in each state),
// "log" (the log tail with search) and "diff" (files and hunks since the start). Log and diff load
// asynchronously and fill their element only if it is still the one shown (`isCurrent`).
import type { WorkcellDetail } from '../../main/common/bridge.js';
import type { LogTail, WorkcellDiff } from '../../main/common/detailApi.js';
import { forText, GLANCE_LABEL, glanceStateOf, shortDuration } from '../../main/common/glance.js';
import { pausedUntilText } from '../../main/common/pausedUntil.js';
import { timeInStates } from '../../main/common/stateTimes.js';
import type { Result } from '../../main/common/result.js';
import type { WorkcellSummary } from '../../main/common/workcell.js';
import { api } from '../lib/bridgeClient.js';
import { h } from '../lib/dom.js';

export const DETAIL_TABS = ['now', 'log', 'diff', 'verify', 'brief', 'handoff', 'events', 'status'] as const;
export type DetailTab = (typeof DETAIL_TABS)[number];

/** What the pane opens on: what matters for the state. */
export function defaultTab(w: WorkcellSummary): DetailTab {
  switch (glanceStateOf(w)) {
    case 'verify_failed':
      return 'verify';
    case 'done':
      return 'diff';
    case 'failed':
    case 'vanished':
    case 'killed':
      return 'log';
    default:
      return 'now';
  }
}

/** The screen in the "now" tab is a tmux capture: live frames come several times a second, one
 * capture per workcell per 2 s is plenty for a human to read. */
const SCREEN_TTL_MS = 2_000;
const screens = new Map<string, { at: number; p: Promise<Result<LogTail>> }>();
function screenOf(name: string): Promise<Result<LogTail>> {
  const hit = screens.get(name);
  if (hit && Date.now() - hit.at < SCREEN_TTL_MS) return hit.p;
  const p = api.log(name);
  screens.set(name, { at: Date.now(), p });
  return p;
}

/** A diff this long is not read in a side pane; the rest stays in `git diff`. */
const MAX_DIFF_LINES = 4_000;

function loading<T>(
  fetch: () => Promise<Result<T>>,
  isCurrent: () => boolean,
  render: (v: T) => HTMLElement,
  testid: string,
): HTMLElement {
  const box = h('div', { testid }, h('p', { class: 'empty' }, 'Loading…'));
  void fetch().then((r) => {
    // The user moved on to another workcell or tab meanwhile: this answer is for nobody.
    if (!isCurrent()) return;
    box.replaceChildren(
      r.ok ? render(r.value) : h('p', { class: 'empty', testid: `${testid}-error` }, r.error.message),
    );
  });
  return box;
}

function timesList(d: WorkcellDetail, now: number): HTMLElement {
  const times = timeInStates(d.artifacts.events, d.summary.startedAt, now).filter((t) => t.ms > 0);
  if (times.length === 0) return h('p', { class: 'empty' }, 'No time recorded yet.');
  const total = times.reduce((a, t) => a + t.ms, 0);
  return h(
    'ul',
    { class: 'state-times', testid: 'state-times' },
    ...times.map((t) =>
      h(
        'li',
        {},
        // The glance's words ("waiting for you"), as in the list.
        h('span', { class: `st-name state-${t.state}` }, GLANCE_LABEL[t.state]),
        h('span', { class: 'st-bar', style: `--w:${Math.max(2, Math.round((100 * t.ms) / total))}%` }),
        h('span', { class: 'st-ms' }, shortDuration(t.ms)),
      ),
    ),
  );
}

export function nowTab(d: WorkcellDetail, isCurrent: () => boolean, now = Date.now()): HTMLElement {
  const w = d.summary;
  const g = glanceStateOf(w);
  const question = g === 'waiting' ? (w.evidence?.detail ?? w.lastLine) : null;
  return h(
    'div',
    { class: 'now' },
    h('p', { class: 'now-head' }, `${GLANCE_LABEL[g]} ${forText(w, now)}`.trim()),
    question
      ? h('blockquote', { class: 'question', testid: 'question' }, question)
      : w.reason
        ? h('p', { class: 'now-reason' }, w.reason)
        : null,
    pausedUntilText(w, { now })
      ? h('p', { class: 'paused', testid: 'detail-paused-until' }, pausedUntilText(w, { now }))
      : w.resetAt
        ? h('p', {}, `Resets at ${new Date(w.resetAt).toLocaleString()}`)
        : null,
    // Where the reply box goes (another part of issue 10 mounts it here).
    g === 'waiting' ? h('div', { id: 'reply-slot', testid: 'reply-slot' }) : null,
    h('h3', {}, 'Time in each state'),
    timesList(d, now),
    w.pane
      ? h(
          'div',
          {},
          h('h3', {}, w.pane.dead ? 'Last screen' : 'Screen now'),
          loading(
            () => screenOf(w.name),
            isCurrent,
            (t: LogTail) =>
              t.screen
                ? h('pre', { class: 'artifact screen' }, t.screen)
                : h('p', { class: 'empty' }, 'No screen.'),
            'now-screen',
          ),
        )
      : null,
  );
}

/** The log text with every match of `q` marked (text nodes only, never HTML). */
function marked(text: string, q: string): { nodes: (Node | string)[]; count: number } {
  if (!q) return { nodes: [text], count: 0 };
  const nodes: (Node | string)[] = [];
  const lower = text.toLowerCase();
  const needle = q.toLowerCase();
  let at = 0;
  let count = 0;
  for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
    nodes.push(text.slice(at, i), h('mark', {}, text.slice(i, i + needle.length)));
    at = i + needle.length;
    count++;
  }
  nodes.push(text.slice(at));
  return { nodes, count };
}

function logView(t: LogTail, name: string): HTMLElement {
  const pre = h('pre', { class: 'artifact log', testid: 'log-text' });
  const status = h('span', { class: 'dim', testid: 'log-matches' });
  let current = -1;
  const show = (q: string) => {
    const m = marked(t.text, q);
    pre.replaceChildren(...m.nodes);
    current = -1;
    status.textContent = q ? `${m.count} match${m.count === 1 ? '' : 'es'}` : '';
  };
  const next = (d: number) => {
    const marks = pre.querySelectorAll('mark');
    if (marks.length === 0) return;
    marks[current]?.classList.remove('current');
    current = (current + d + marks.length) % marks.length;
    marks[current]!.classList.add('current');
    marks[current]!.scrollIntoView({ block: 'center' });
  };
  const search = h('input', {
    type: 'search',
    placeholder: 'Search the log',
    'aria-label': `Search the log of ${name}`,
    testid: 'log-search',
    oninput: (e: Event) => show((e.target as HTMLInputElement).value),
    onkeydown: (e: Event) => {
      const k = e as KeyboardEvent;
      if (k.key === 'Enter') next(k.shiftKey ? -1 : 1);
    },
  });
  show('');
  // Open at the end: the last lines are why it ended.
  requestAnimationFrame(() => (pre.scrollTop = pre.scrollHeight));
  return h(
    'div',
    { class: 'log-view' },
    h('div', { class: 'log-bar' }, search, status),
    t.screen
      ? h('details', {}, h('summary', {}, 'Last screen'), h('pre', { class: 'artifact screen' }, t.screen))
      : null,
    t.truncated ? h('p', { class: 'dim' }, 'Showing the end of agent.log.') : null,
    t.text.trim() ? pre : h('p', { class: 'empty' }, 'No output yet.'),
  );
}

export function logTab(name: string, isCurrent: () => boolean): HTMLElement {
  return loading(
    () => api.log(name),
    isCurrent,
    (t) => logView(t, name),
    'log',
  );
}

function diffView(d: WorkcellDiff): HTMLElement {
  const added = d.files.reduce((a, f) => a + f.added, 0);
  const removed = d.files.reduce((a, f) => a + f.removed, 0);
  let budget = MAX_DIFF_LINES;
  const head = h(
    'p',
    { class: 'diff-head', testid: 'diff-head' },
    `${d.files.length} file${d.files.length === 1 ? '' : 's'} `,
    h('span', { class: 'good' }, `+${added}`),
    ' ',
    h('span', { class: 'bad' }, `−${removed}`),
    h(
      'span',
      { class: 'dim' },
      ` since ${d.base.slice(0, 8)} → ${d.target === 'working tree' ? 'working tree' : d.target.slice(0, 8)}`,
    ),
  );
  if (d.files.length === 0)
    return h('div', {}, head, h('p', { class: 'empty' }, 'No changes since the start.'));
  return h(
    'div',
    { class: 'diff' },
    head,
    d.truncated ? h('p', { class: 'dim' }, 'The diff is long: the rest is in `git diff` in the repo.') : null,
    ...d.files.map((f) => {
      const lines = f.hunks.flatMap((hk) => [hk.header, ...hk.lines]);
      const shown = lines.slice(0, Math.max(0, budget));
      budget -= shown.length;
      return h(
        'details',
        { class: 'diff-file', open: d.files.length <= 8 ? true : undefined, testid: 'diff-file' },
        h(
          'summary',
          {},
          h('span', { class: 'diff-path' }, f.oldPath ? `${f.oldPath} → ${f.path}` : f.path),
          ' ',
          f.status !== 'modified' ? h('span', { class: 'dim' }, f.status) : null,
          ' ',
          h('span', { class: 'good' }, `+${f.added}`),
          ' ',
          h('span', { class: 'bad' }, `−${f.removed}`),
        ),
        shown.length
          ? h(
              'pre',
              { class: 'artifact hunks' },
              ...shown.map((l) =>
                h(
                  'span',
                  {
                    class: l.startsWith('@@')
                      ? 'hk'
                      : l.startsWith('+')
                        ? 'add'
                        : l.startsWith('-')
                          ? 'del'
                          : '',
                  },
                  `${l}\n`,
                ),
              ),
            )
          : null,
        shown.length < lines.length
          ? h('p', { class: 'dim' }, `${lines.length - shown.length} more lines…`)
          : null,
      );
    }),
  );
}

export function diffTab(name: string, isCurrent: () => boolean): HTMLElement {
  return loading(() => api.diff(name), isCurrent, diffView, 'diff');
}
