// The real codex CLI (pinned, from the conformance cache) against the loopback mock: its session id
// cannot be chosen, so it is captured from the first rollout codex writes under CODEX_HOME/sessions;
// the captured id is the thread_id of `codex exec --json`'s thread.started, vendorTranscript() finds
// the same rollout, and our headless resume argv (`codex exec resume ... ID PROMPT`) reopens that
// conversation (the resumed request carries the first turn; the same rollout grows). Our headless
// launch argv itself is run, so a flag codex exec rejects fails here. Skipped, in one line, without
// the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { captureSessionId, vendorTranscript } from '../agents/sessionStore.js';
import { RESUME_TURN, assertResumeReopens, firstTurn, realCli, realCliSkip } from '../testing/realCli.js';

test(
  'real codex exec: id captured from the first rollout = thread.started, headless resume by id reopens it',
  { skip: realCliSkip('codex') },
  async () => {
    const r = await realCli('codex');
    try {
      const since = new Date();
      assert.equal(await captureSessionId('codex', { cwd: r.cwd, since, env: r.env }), null);
      // Our headless launch is `exec --json`, so thread.started is on stdout; --skip-git-repo-check:
      // the work dir is no repo.
      const { run: r1 } = await firstTurn(r, 'codex', { args: ['--skip-git-repo-check'] });
      const started = r1.out
        .split('\n')
        .map((l) => (l.startsWith('{') ? (JSON.parse(l) as { type?: string; thread_id?: string }) : {}))
        .find((e) => e.type === 'thread.started');
      assert.ok(started?.thread_id, `no thread.started in ${r1.out}`);
      const got = await captureSessionId('codex', { cwd: r.cwd, since, env: r.env });
      assert.equal(got?.id, started.thread_id);
      assert.ok(got.file.startsWith(join(r.vendorHome, '.codex', 'sessions')), got.file);
      assert.equal(await vendorTranscript('codex', got.id, { cwd: r.cwd, env: r.env }), got.file);
      // One workcell per vendor id: an id another workcell holds is not captured again.
      assert.equal(
        await captureSessionId('codex', { cwd: r.cwd, since, env: r.env, taken: new Set([got.id]) }),
        null,
      );

      const resume = ADAPTERS.codex.resumeHeadless!(got.id, RESUME_TURN, {});
      // `codex exec resume` takes its options before the id; the work dir is no git repository.
      await assertResumeReopens(
        r,
        [...resume.slice(0, 3), '--skip-git-repo-check', ...resume.slice(3)],
        got.file,
      );
    } finally {
      await r.close();
    }
  },
);
