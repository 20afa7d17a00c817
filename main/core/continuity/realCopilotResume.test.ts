// The real copilot CLI (pinned, from the conformance cache, BYOK against the loopback mock): a headless
// run with a minted --session-id keeps its conversation in <COPILOT_HOME>/session-state/<id>/
// events.jsonl, where vendorTranscript() looks, and our headless resume argv (`copilot --resume ID -p
// ...`) reopens it: the resumed request carries the first turn and the same events.jsonl grows.
// Skipped, in one line, without the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { vendorTranscript } from '../agents/sessionStore.js';
import { RESUME_TURN, assertResumeReopens, firstTurn, realCli, realCliSkip } from '../testing/realCli.js';

test(
  'real copilot -p: minted id, session-state found where we look, headless resume by id reopens it',
  { skip: realCliSkip('copilot') },
  async () => {
    const r = await realCli('copilot');
    try {
      const id = randomUUID();
      await firstTurn(r, 'copilot', { sessionId: id, answer: true });
      const events = await vendorTranscript('copilot', id, { cwd: r.cwd, env: r.env });
      const state = join(r.vendorHome, '.copilot', 'session-state', id);
      assert.equal(events, join(state, 'events.jsonl'));
      // copilot records the repo of the session beside it.
      assert.match(readFileSync(join(state, 'workspace.yaml'), 'utf8'), new RegExp(`cwd: ${r.cwd}\\n`));
      // COPILOT_HOME is honoured: nothing under HOME/.copilot for this id.
      const { COPILOT_HOME: _, ...plain } = r.env;
      assert.equal(await vendorTranscript('copilot', id, { cwd: r.cwd, env: plain }), null);
      await assertResumeReopens(r, ADAPTERS.copilot.resumeHeadless!(id, RESUME_TURN, {}), events);
    } finally {
      await r.close();
    }
  },
);
