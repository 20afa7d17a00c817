import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IPC_CHANNELS, type IpcChannel, type WindowKind } from '../common/ipc.js';
import { ipcRefusal } from './ipcPolicy.js';

const trusted = { bridgeOrigin: 'http://127.0.0.1:4100', pages: ['file:///app/dist/renderer/settings.html'] };
const DASH = 'http://127.0.0.1:4100/';
const PEEK = 'http://127.0.0.1:4100/#/peek/alpha';
const SETTINGS = 'file:///app/dist/renderer/settings.html';

describe('ipcRefusal', () => {
  const table: [IpcChannel, WindowKind | null, string, boolean][] = [
    // The bridge token: dashboard and peek windows at the bridge only.
    ['app:getBridge', 'dashboard', DASH, true],
    ['app:getBridge', 'peek', PEEK, true],
    ['app:getBridge', 'settings', SETTINGS, false],
    ['app:getBridge', null, DASH, false], // a web contents we did not create
    ['app:getBridge', 'dashboard', 'http://127.0.0.1:4101/', false], // another port: another server
    ['app:getBridge', 'dashboard', 'http://localhost:4100/', false],
    ['app:getBridge', 'dashboard', SETTINGS, false], // our window, wrong place
    ['app:getBridge', 'dashboard', '', false], // destroyed frame
    // Settings (and whether secrets are set): the settings window at its page only.
    ['settings:get', 'settings', SETTINGS, true],
    ['settings:save', 'settings', `${SETTINGS}?x=1#y`, true],
    ['settings:get', 'dashboard', DASH, false],
    ['settings:save', 'peek', PEEK, false],
    ['settings:get', 'settings', 'file:///tmp/evil.html', false],
    ['settings:get', 'settings', DASH, false],
    // Window actions.
    ['app:openInTerminal', 'peek', PEEK, true],
    ['app:openInTerminal', 'settings', SETTINGS, false],
    ['app:openPeek', 'dashboard', DASH, true],
    ['app:openSettings', 'dashboard', DASH, true],
    ['app:openSettings', 'settings', SETTINGS, false],
  ];
  for (const [channel, kind, url, ok] of table)
    it(`${channel} from ${kind ?? 'a stranger'} at ${url || '(no url)'}: ${ok ? 'allowed' : 'dropped'}`, () => {
      const why = ipcRefusal(channel, { kind, frameUrl: url }, trusted);
      if (ok) assert.equal(why, null);
      else assert.equal(typeof why, 'string');
    });

  it('every channel is open to some window, and nothing before the bridge is up reaches it', () => {
    for (const c of IPC_CHANNELS) {
      const opened = (['dashboard', 'peek', 'settings'] as const).some(
        (k) => ipcRefusal(c, { kind: k, frameUrl: k === 'settings' ? SETTINGS : DASH }, trusted) === null,
      );
      assert.ok(opened, c);
      assert.notEqual(
        ipcRefusal(c, { kind: 'dashboard', frameUrl: DASH }, { ...trusted, bridgeOrigin: null }),
        null,
      );
    }
  });
});
