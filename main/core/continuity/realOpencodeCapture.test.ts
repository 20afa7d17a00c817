// The real opencode CLI (pinned, from the conformance cache) against the loopback mock: its session id
// cannot be chosen, so it is captured from its store (the `session` table of opencode.db through
// sqlite3, or, without sqlite3, opencode's own log of the sessions it created), both under
// XDG_DATA_HOME when that is set; vendorTranscript() finds the session in the database, and our
// headless resume argv (`opencode run --session ID -- PROMPT`) reopens the conversation (the resumed
// request carries the first turn). Skipped, in one line, without the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ADAPTERS } from '../agents/adapters.js';
import { opencodeCapture } from '../agents/opencodeStore.js';
import { captureSessionId, vendorTranscript } from '../agents/sessionStore.js';
import { RESUME_TURN, assertResumeReopens, firstTurn, realCli, realCliSkip } from '../testing/realCli.js';

const hasSqlite = (() => {
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // the log fallback is still tested
  }
})();

test(
  'real opencode run: id captured from its store and its log, found where we look, headless resume reopens it',
  { skip: realCliSkip('opencode') },
  async () => {
    const r = await realCli('opencode');
    try {
      const since = new Date();
      await firstTurn(r, 'opencode');
      const got = await captureSessionId('opencode', { cwd: r.cwd, since, env: r.env });
      assert.match(got?.id ?? '', /^ses_[A-Za-z0-9]+$/);
      const db = join(r.vendorHome, '.local', 'share', 'opencode', 'opencode.db');
      assert.equal(got!.file, db);
      // Without sqlite3 on PATH the log says the same.
      const fromLog = await opencodeCapture({ cwd: r.cwd, since, env: { ...r.env, PATH: '/nonexistent' } });
      assert.equal(fromLog?.id, got!.id);
      if (!hasSqlite) console.log('# no sqlite3 on PATH: both captures came from the log');
      // Another repo, a session from before the start, or an id another workcell holds: not ours.
      assert.equal(await captureSessionId('opencode', { cwd: r.home, since, env: r.env }), null);
      assert.equal(
        await captureSessionId('opencode', { cwd: r.cwd, since: new Date(Date.now() + 60_000), env: r.env }),
        null,
      );
      assert.equal(
        await captureSessionId('opencode', { cwd: r.cwd, since, env: r.env, taken: new Set([got!.id]) }),
        null,
      );
      assert.equal(await vendorTranscript('opencode', got!.id, { cwd: r.cwd, env: r.env }), db);
      assert.equal(
        await vendorTranscript('opencode', 'ses_notthere0000000000000000', { cwd: r.cwd, env: r.env }),
        null,
      );

      // opencode keeps the conversation in its database (no file of its own to watch grow).
      await assertResumeReopens(r, ADAPTERS.opencode.resumeHeadless!(got!.id, RESUME_TURN, {}), null);
    } finally {
      await r.close();
    }
  },
);
