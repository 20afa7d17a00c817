import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSafeExternalUrl, isTrustedUrl, peekUrl, type Trusted } from './urlPolicy.js';

const t: Trusted = {
  bridgeOrigin: 'http://127.0.0.1:4123',
  pages: ['file:///app/dist/renderer/settings.html'],
};

test('isTrustedUrl: exact bridge origin or our own pages', () => {
  const cases: [string, boolean][] = [
    ['http://127.0.0.1:4123/', true],
    ['http://127.0.0.1:4123/?token=x#/peek/a', true],
    ['ws://127.0.0.1:4123/events', true],
    ['http://127.0.0.1:4124/', false],
    ['http://localhost:4123/', false],
    ['https://127.0.0.1:4123/', false],
    ['http://127.0.0.1:4123@evil.example/', false],
    ['file:///app/dist/renderer/settings.html', true],
    ['file:///app/dist/renderer/settings.html?x=1#top', true],
    ['file:///etc/passwd', false],
    ['about:blank', false],
    ['', false],
    ['javascript:alert(1)', false],
  ];
  for (const [url, ok] of cases) assert.equal(isTrustedUrl(url, t), ok, url);
  assert.equal(isTrustedUrl('http://127.0.0.1:4123/', { ...t, bridgeOrigin: null }), false, 'no bridge yet');
});

test('isSafeExternalUrl: http(s) without credentials only', () => {
  const cases: [string, boolean][] = [
    ['https://github.com/org/repo/pull/1', true],
    ['http://example.com', true],
    ['https://user:pw@example.com', false],
    ['file:///etc/passwd', false],
    ['javascript:alert(1)', false],
    ['vscode://file/etc', false],
    ['smb://share/x', false],
    ['not a url', false],
  ];
  for (const [url, ok] of cases) assert.equal(isSafeExternalUrl(url), ok, url);
});

test('peekUrl is the dashboard page with its peek route, and carries no token', () => {
  assert.equal(peekUrl('http://127.0.0.1:1', 'fix-1'), 'http://127.0.0.1:1/#/peek/fix-1');
});
