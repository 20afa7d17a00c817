// When the live connection drops, asks the bridge whether this page may still use it: a rotated token
// or a refused one gets a full-page explanation with what to do, instead of "reconnecting" forever or a
// bare "forbidden" (issue 10, stable dashboard URL).
import { accessProblem, TOKEN_ROTATED_MESSAGE } from '../lib/bridgeClient.js';
import { h } from '../lib/dom.js';

const REFUSED_MESSAGE =
  'This page has no valid access token for this dashboard: open it from `workcell ui` (the URL it prints, or the file it names).';

let shown = false;

export async function guardAccess(root: HTMLElement): Promise<void> {
  if (shown) return;
  const problem = await accessProblem();
  if (!problem || shown) return;
  shown = true;
  document.title = 'Reopen the dashboard · Session Supervisor';
  root.replaceChildren(
    h(
      'main',
      { class: 'access-denied', testid: 'access-denied', role: 'alert' },
      h('h1', {}, problem === 'rotated' ? 'Token rotated' : 'Access refused'),
      h('p', {}, problem === 'rotated' ? TOKEN_ROTATED_MESSAGE : REFUSED_MESSAGE),
    ),
  );
}

/** A tab with no token, and no open dashboard tab to ask (a notification's link opened in a fresh
 * browser window): say how to get one instead of a dashboard that cannot load anything. */
export function showNoToken(root: HTMLElement): void {
  shown = true;
  document.title = 'Open the dashboard first · Session Supervisor';
  root.replaceChildren(
    h(
      'main',
      { class: 'access-denied', testid: 'no-token', role: 'alert' },
      h('h1', {}, 'Open the dashboard from ', h('code', {}, 'workcell ui'), ' first'),
      h(
        'p',
        {},
        'This tab has no access token, and no dashboard tab is open in this browser to lend it one. Run ',
        h('code', {}, 'workcell ui'),
        ' (or open the URL it printed), keep that tab open, then open this link again.',
      ),
    ),
  );
}
