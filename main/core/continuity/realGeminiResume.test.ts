// The real gemini CLI (pinned, from the conformance cache) against the loopback mock: a headless run
// with a minted --session-id writes its chat where vendorTranscript() looks (under GEMINI_CLI_HOME,
// not HOME, when it is set: gemini-cli's own rule), and our headless resume argv (`gemini --resume ID
// --prompt=...`) reopens that conversation: the resumed request carries the first turn and the same
// chat file grows. Skipped, in one line, without the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { vendorTranscript } from '../agents/sessionStore.js';
import { RESUME_TURN, assertResumeReopens, firstTurn, realCli, realCliSkip } from '../testing/realCli.js';

test(
  'real gemini --prompt: minted id, chat found where we look, headless resume by id reopens it',
  { skip: realCliSkip('gemini') },
  async () => {
    const r = await realCli('gemini');
    try {
      const id = randomUUID();
      await firstTurn(r, 'gemini', { sessionId: id, answer: true });
      const chat = await vendorTranscript('gemini', id, { cwd: r.cwd, env: r.env });
      assert.ok(chat, `gemini wrote no chat for ${id} where vendorTranscript looks`);
      assert.ok(chat.startsWith(join(r.vendorHome, '.gemini', 'tmp')), chat);
      assert.match(chat, new RegExp(`/chats/session-[^/]*${id.slice(0, 8)}\\.jsonl$`));
      // Without the override the same id is not found under HOME: the check follows GEMINI_CLI_HOME.
      const { GEMINI_CLI_HOME: _, ...plain } = r.env;
      assert.equal(await vendorTranscript('gemini', id, { cwd: r.cwd, env: plain }), null);
      await assertResumeReopens(r, ADAPTERS.gemini.resumeHeadless!(id, RESUME_TURN, {}), chat);
    } finally {
      await r.close();
    }
  },
);
