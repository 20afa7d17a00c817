import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool, overrideVar, skipUnlessTools, type Tool } from './tools.js';

const FAKE: Tool = { name: 'wc-fake-tool', install: 'apt install wc-fake' };

test('a missing tool skips with one line locally and fails under CI=true; PATH and override decide', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wc-tools-'));
  try {
    const bin = join(dir, FAKE.name);
    writeFileSync(bin, '#!/bin/sh\n');
    assert.equal(overrideVar(FAKE), 'WORKCELL_TEST_WC_FAKE_TOOL');

    const none = { PATH: '/nonexistent' };
    assert.equal(findTool(FAKE, none), null);
    assert.equal(
      skipUnlessTools('fake specs', [FAKE], none),
      'fake specs skipped: wc-fake-tool not found (apt install wc-fake)',
    );
    assert.throws(() => skipUnlessTools('fake specs', [FAKE], { ...none, CI: 'true' }), {
      message: 'fake specs: wc-fake-tool not found, and CI=true requires it (apt install wc-fake)',
    });

    assert.equal(findTool(FAKE, { PATH: dir }), null, 'not executable yet');
    chmodSync(bin, 0o755);
    assert.equal(findTool(FAKE, { PATH: `/nonexistent:${dir}` }), bin);
    assert.equal(skipUnlessTools('fake specs', [FAKE], { PATH: dir, CI: 'true' }), null);

    // The override wins over PATH both ways.
    assert.equal(findTool(FAKE, { PATH: dir, WORKCELL_TEST_WC_FAKE_TOOL: '/nonexistent' }), null);
    assert.equal(findTool(FAKE, { PATH: '/nonexistent', WORKCELL_TEST_WC_FAKE_TOOL: bin }), bin);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
