// The real claude CLI (pinned, from the conformance cache) against the loopback mock API: a headless
// run with a minted --session-id writes its transcript where vendorTranscript() looks (under
// CLAUDE_CONFIG_DIR when it is set), and the headless resume argv of our adapter (`claude -p --resume
// ID -- PROMPT`) reopens that conversation (the second request carries the first prompt; the same
// transcript grows). Skipped, in one line, without the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { vendorTranscript } from '../agents/sessionStore.js';
import { RESUME_TURN, assertResumeReopens, firstTurn, realCli, realCliSkip } from '../testing/realCli.js';

test(
  'real claude -p: minted id, transcript found where we look, headless resume by id reopens the conversation',
  { skip: realCliSkip('claude') },
  async () => {
    const r = await realCli('claude');
    try {
      const id = randomUUID();
      const { argv: first } = await firstTurn(r, 'claude', { sessionId: id, answer: true });
      const transcript = await vendorTranscript('claude', id, { cwd: r.cwd, env: r.env });
      assert.ok(transcript, `claude wrote no transcript for ${id} where vendorTranscript looks`);
      assert.ok(transcript.startsWith(join(r.vendorHome, 'projects')), transcript);
      await assertResumeReopens(r, ADAPTERS.claude.resumeHeadless!(id, RESUME_TURN, {}), transcript);
      // The create command is never replayed: claude refuses a reused --session-id.
      const again = await r.run(first);
      assert.notEqual(again.code, 0, again.out);
    } finally {
      await r.close();
    }
  },
);
