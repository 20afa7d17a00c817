// Loops in the dashboard (issue 13): one group per loop above the list, with its progress (items done
// of total, iteration of max), its status and breaker, and its items; an item links to the workcell
// of its latest iteration. Polled from GET /api/loops (fleet frames carry workcells only).
import type { LoopView } from '../../main/common/loopView.js';
import { h } from '../lib/dom.js';
import { focusedGroup, keptOpen, refocus } from './pipelinesView.js';

const STATUS_WORDS: Record<string, string> = {
  running: 'running',
  breaker_open: 'breaker open: waiting for you',
  done: 'done',
  max_reached: 'stopped at its iteration limit',
  stopped: 'stopped',
};

/** The breaker's state while it is closed (an open one is the loop's status): how near it is. */
function breakerText(l: LoopView): string {
  if (l.breaker.open) return '';
  const n = l.breaker.noProgress ?? 0;
  return n > 0 && l.breaker.limit
    ? `breaker: ${n} of ${l.breaker.limit} iterations without progress`
    : 'breaker closed';
}

export function renderLoops(
  el: HTMLElement,
  loops: readonly LoopView[],
  open: (workcell: string) => void,
): void {
  const wasOpen = keptOpen(el);
  const focused = focusedGroup(el);
  el.hidden = loops.length === 0;
  el.replaceChildren(
    ...loops.map((l) =>
      h(
        'details',
        {
          class: `loop loop-${l.status}`,
          testid: `loop-${l.name}`,
          open: wasOpen.get(`loop-${l.name}`) ?? l.status !== 'done',
        },
        h(
          'summary',
          {},
          h('span', { class: 'loop-name' }, `loop ${l.name}`),
          h('span', { class: 'loop-progress', testid: 'loop-progress' }, `${l.done}/${l.total} items done`),
          h('progress', { max: Math.max(1, l.total), value: l.done, 'aria-label': 'items done' }),
          h('span', { class: 'dim', testid: 'loop-iteration' }, `iteration ${l.iteration} of ${l.max}`),
          h(
            'span',
            { class: `loop-status ${l.breaker.open ? 'breaker' : ''}`, testid: 'loop-status' },
            STATUS_WORDS[l.status] ?? l.status,
            l.breaker.open && l.breaker.reason ? ` (${l.breaker.reason})` : '',
          ),
          l.breaker.open ? null : h('span', { class: 'dim', testid: 'loop-breaker' }, breakerText(l)),
        ),
        h(
          'ol',
          { class: 'loop-items' },
          ...l.items.map((i) =>
            h(
              'li',
              { class: i.done ? 'done' : i.inFlight ? 'flying' : '', testid: `loop-item-${i.key}` },
              h('span', { class: 'loop-box', 'aria-hidden': 'true' }, i.done ? '✓' : i.inFlight ? '▸' : '○'),
              h('span', { class: 'loop-text' }, i.text),
              i.outcome ? h('span', { class: 'dim' }, ` ${i.outcome.replace(/_/g, ' ')}`) : null,
              i.attempts > 1 ? h('span', { class: 'dim' }, ` · ${i.attempts} tries`) : null,
              i.workcell
                ? h(
                    'a',
                    {
                      href: `#workcell=${encodeURIComponent(i.workcell)}`,
                      class: 'loop-wc',
                      testid: 'loop-workcell',
                      onclick: (e: Event) => {
                        e.preventDefault();
                        open(i.workcell!);
                      },
                    },
                    i.workcell,
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
  refocus(el, focused);
}
