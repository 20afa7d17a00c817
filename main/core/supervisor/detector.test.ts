// The first look after the engine wrote a state (a relaunch's "pass 2 launched in tmux") is recorded
// even when it finds that same state: the engine's word is not a look at the agent, and recovery's
// check of a relaunch (recovery/confirm.ts) waits for the supervisor's own. When the engine's `running`
// landed before the look (a loaded machine), the look was dropped as no news and a relaunched agent
// that kept working was never confirmed. A PaneWatch stub says what the pane shows; the status is real.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { WorkcellStatus, WorkcellSummary } from '../../common/workcell.js';
import { RunStore } from '../runStore.js';
import { makeHome } from '../testing/fixture.js';
import { Transitions } from '../transition.js';
import { Detector } from './detector.js';
import type { Look, PaneWatch } from './paneWatch.js';

test('a look finding the state the engine wrote records its own evidence once, then stays quiet', async () => {
  const home = makeHome('wcdt-');
  try {
    const store = new RunStore(home.dir);
    mkdirSync(home.dir.runDir('w'), { recursive: true });
    const at = '2030-01-02T15:00:00.000Z';
    const engine = {
      source: 'engine' as const,
      detail: 'pass 2 launched in tmux: the same command again',
      at,
    };
    await store.writeStatus({
      name: 'w',
      state: 'running',
      pass: 2,
      stateSince: at,
      evidence: engine,
    } as unknown as WorkcellStatus);
    const running: Look = { state: 'running', detection: null, screen: 'step 4 of 5' };
    const watch = { look: async () => running } as unknown as PaneWatch;
    const detector = new Detector(home.dir, new Transitions(store), watch);
    const w = { ...(await store.readStatus('w'))!, pane: { dead: false } } as unknown as WorkcellSummary;
    const looked = await detector.look(w, Date.parse('2030-01-02T15:00:01.000Z'));
    const s = await store.readStatus('w');
    assert.equal(s?.state, 'running');
    assert.equal(s?.evidence?.source, 'pane', 'the look is on record, not the launch');
    assert.equal(s?.evidence?.detail, 'output, no state pattern matched');
    assert.equal(s?.stateSince, at, 'the same state: it did not begin again');
    assert.equal(looked.w.evidence?.source, 'pane');
    assert.equal(looked.turnEnd, false);
    // Once the supervisor's own evidence is there, the same state again is no news (no write).
    const again = await detector.look(looked.w, Date.parse('2030-01-02T15:00:02.000Z'));
    assert.equal(again.w, looked.w);
    assert.equal((await store.readStatus('w'))?.evidence?.at, s?.evidence?.at);
    // No 'state' event for a state that did not change.
    assert.equal((await store.readEvents('w')).filter((e) => e.type === 'state').length, 0);
  } finally {
    home.cleanup();
  }
});
