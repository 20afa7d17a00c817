// Pipelines in the dashboard (issue 13): one group per pipeline above the loops, with its progress
// (stages succeeded of all), the stage running now and its status; each stage shows what `workcell
// pipeline status NAME` prints (outcome, iterations, time, runs) and links to the loop that ran it,
// whose group (loopsView.ts) links on to the iteration's workcell. Polled from GET /api/pipelines.
import { shortDuration } from '../../main/common/glance.js';
import type { PipelineStageView, PipelineView } from '../../main/common/pipelineView.js';
import { h } from '../lib/dom.js';

const STATUS_WORDS: Record<string, string> = {
  running: 'running',
  done: 'done',
  failed: 'failed',
  stopped: 'stopped',
};

/** One glyph per stage outcome, so the column reads without colour too. */
const STAGE_ICON: Record<string, string> = {
  pending: '○',
  running: '▸',
  succeeded: '✓',
  failed: '✕',
  stopped: '■',
};

/** The user's own expand / collapse survives the 5 s refresh; a new group opens unless it is done. */
export function keptOpen(el: HTMLElement): Map<string, boolean> {
  return new Map(
    [...el.querySelectorAll<HTMLDetailsElement>(':scope > details')].map((d) => [
      d.dataset.testid ?? '',
      d.open,
    ]),
  );
}

/** The group whose summary has the keyboard focus: a refresh rebuilds the groups, and gives it back
 * (a stage's link focuses its loop's group; a refresh right after took that away, seen on CI). */
export function focusedGroup(el: HTMLElement): string | null {
  const a = document.activeElement;
  if (!(a instanceof HTMLElement) || a.tagName !== 'SUMMARY' || !el.contains(a)) return null;
  return a.closest<HTMLElement>('details')?.dataset.testid ?? null;
}

export function refocus(el: HTMLElement, testid: string | null): void {
  if (testid === null) return;
  el.querySelector<HTMLElement>(`details[data-testid="${CSS.escape(testid)}"] > summary`)?.focus({
    preventScroll: true,
  });
}

function statusText(p: PipelineView): string {
  const words = STATUS_WORDS[p.status] ?? p.status;
  // Marked running, but nobody holds its lock: the runner died (the CLI says the same in `status`).
  if (p.status === 'running' && !p.runnerLive)
    return `${words}, but its runner is gone: workcell pipeline run --resume --name ${p.name}`;
  return p.statusReason ? `${words} (${p.statusReason})` : words;
}

/** Opens a loop's group; `has` says whether the dashboard shows that loop (a removed run dir: no link). */
export interface LoopLinks {
  has(loop: string): boolean;
  open(loop: string): void;
}

function stageRow(s: PipelineStageView, loops: LoopLinks): HTMLElement {
  return h(
    'tr',
    { class: `stage stage-${s.status}`, testid: `stage-${s.name}` },
    h('td', { class: 'stage-icon', 'aria-hidden': 'true' }, STAGE_ICON[s.status] ?? '·'),
    h('td', { class: 'stage-name' }, s.name),
    h('td', { class: 'stage-status', testid: 'stage-status' }, s.status),
    h('td', { class: 'dim', testid: 'stage-iterations' }, `${s.iterations} iter.`),
    h('td', { class: 'dim', testid: 'stage-time' }, s.ms === null ? '–' : shortDuration(s.ms)),
    h('td', { class: 'dim' }, s.runs > 1 ? `${s.runs} runs` : ''),
    h(
      'td',
      { class: 'stage-loop' },
      s.loop && loops.has(s.loop)
        ? h(
            'a',
            {
              href: `#loop-${encodeURIComponent(s.loop)}`,
              testid: 'stage-loop',
              title: `Show loop ${s.loop}`,
              onclick: (e: Event) => {
                e.preventDefault();
                loops.open(s.loop!);
              },
            },
            `loop ${s.loop}`,
          )
        : s.loop
          ? h(
              'span',
              { class: 'dim', testid: 'stage-loop-gone', title: 'its loop state is gone' },
              `loop ${s.loop}`,
            )
          : null,
    ),
    h('td', { class: 'stage-reason', title: s.reason ?? '' }, s.reason ?? ''),
  );
}

export function renderPipelines(el: HTMLElement, pipelines: readonly PipelineView[], loops: LoopLinks): void {
  const wasOpen = keptOpen(el);
  const focused = focusedGroup(el);
  el.hidden = pipelines.length === 0;
  el.replaceChildren(
    ...pipelines.map((p) => {
      const id = `pipeline-${p.name}`;
      return h(
        'details',
        {
          class: `loop pipeline pipeline-${p.status}`,
          testid: id,
          open: wasOpen.get(id) ?? p.status !== 'done',
        },
        h(
          'summary',
          {},
          h('span', { class: 'loop-name' }, `pipeline ${p.name}`),
          h(
            'span',
            { class: 'loop-progress', testid: 'pipeline-progress' },
            `${p.done}/${p.total} stages done`,
          ),
          h('progress', { max: Math.max(1, p.total), value: p.done, 'aria-label': 'stages done' }),
          p.current ? h('span', { class: 'dim', testid: 'pipeline-current' }, `stage ${p.current}`) : null,
          h(
            'span',
            {
              class: `loop-status ${p.status === 'failed' || (p.status === 'running' && !p.runnerLive) ? 'breaker' : ''}`,
              testid: 'pipeline-status',
            },
            statusText(p),
          ),
        ),
        h('table', { class: 'stages' }, h('tbody', {}, ...p.stages.map((s) => stageRow(s, loops)))),
      );
    }),
  );
  refocus(el, focused);
}
