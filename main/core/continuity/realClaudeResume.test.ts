// The real claude CLI (pinned, from the conformance cache) against the loopback mock API: a headless
// run with a minted --session-id writes its transcript where vendorTranscript() looks (under
// CLAUDE_CONFIG_DIR when it is set), and the headless resume argv of our adapter (`claude -p --resume
// ID -- PROMPT`) reopens that conversation (the second request carries the first prompt; the same
// transcript grows). Skipped, in one line, without the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { vendorTranscript } from '../agents/sessionStore.js';
import { ANSWER_TEXT } from '../testing/conformance/mockApi.js';
import { carriesBoth, realCli, realCliSkip } from '../testing/realCli.js';

test(
  'real claude -p: minted id, transcript found where we look, headless resume by id reopens the conversation',
  { skip: realCliSkip('claude') },
  async () => {
    const r = await realCli('claude');
    try {
      const id = randomUUID();
      const first = ADAPTERS.claude.launch('Remember the word PELICAN.', [], {
        runDir: r.root,
        sessionId: id,
        headless: true,
      });
      const r1 = await r.run(first);
      assert.equal(r1.code, 0, r1.out + r1.err);
      assert.match(r1.out, new RegExp(ANSWER_TEXT.slice(0, 14)));
      const transcript = await vendorTranscript('claude', id, { cwd: r.cwd, env: r.env });
      assert.ok(transcript, `claude wrote no transcript for ${id} where vendorTranscript looks`);
      assert.ok(transcript.startsWith(join(r.vendorHome, 'projects')), transcript);
      const size = statSync(transcript).size;
      const before = r.bodies.length;

      const r2 = await r.run(ADAPTERS.claude.resumeHeadless!(id, 'Which word?', {}));
      assert.equal(r2.code, 0, r2.out + r2.err);
      assert.ok(statSync(transcript).size > size, 'the same transcript grew');
      assert.ok(
        carriesBoth(r.bodies, before, 'PELICAN', 'Which word?'),
        'the resumed request carries the first turn',
      );
      // The create command is never replayed: claude refuses a reused --session-id.
      const again = await r.run(first);
      assert.notEqual(again.code, 0, again.out);
    } finally {
      await r.close();
    }
  },
);
