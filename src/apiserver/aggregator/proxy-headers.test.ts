import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeExtraKey, forwardedHeaders, returnedHeaders } from './proxy-headers.js';

const names = { usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };

test("the client's credentials, impersonation and forged identity headers never reach the extension server", () => {
  const raw = ['Authorization', 'Bearer secret', 'Cookie', 'a=b', 'Impersonate-User', 'root', 'X-Remote-User', 'mallory', 'x-remote-group', 'system:masters', 'X-Remote-Extra-Scopes', 'all', 'Accept', 'application/json', 'Host', 'evil', 'Connection', 'keep-alive', 'Transfer-Encoding', 'chunked'];
  const h = forwardedHeaders(raw, { name: 'jane', groups: ['dev', 'system:authenticated'] }, names);
  assert.deepEqual(h, { accept: 'application/json', 'X-Remote-User': 'jane', 'X-Remote-Group': ['dev', 'system:authenticated'] });
});

test('configured header names are stripped too, and used for the identity', () => {
  const custom = { usernameHeaders: ['X-User'], groupHeaders: ['X-Groups'], extraHeaderPrefixes: ['X-Extra-'] };
  const h = forwardedHeaders(['X-User', 'forged', 'X-Extra-a', 'b', 'X-Remote-User', 'forged'], { name: 'jane', groups: [], extra: { 'example.com/scope': ['a b'] } }, custom);
  assert.deepEqual(h, { 'X-User': 'jane', 'X-Extra-example.com%2Fscope': ['a b'] });
});

test('extra keys are URL-escaped in header names; values with line breaks are dropped', () => {
  assert.equal(escapeExtraKey('authentication.kubernetes.io/pod-name'), 'authentication.kubernetes.io%2Fpod-name');
  assert.equal(escapeExtraKey("a'b"), 'a%27b');
  const h = forwardedHeaders([], { name: 'x\r\nInjected: 1', groups: ['ok', 'bad\nvalue'], extra: { k: ['v\r\n'] } }, names);
  assert.deepEqual(h, { 'X-Remote-Group': ['ok'] });
});

test('upgrade requests keep Connection and Upgrade', () => {
  const h = forwardedHeaders(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'], { name: 'a', groups: [] }, names, true);
  assert.equal(h.connection, 'Upgrade');
  assert.equal(h.upgrade, 'websocket');
  assert.equal(h['sec-websocket-key'], 'k');
});

test('response headers lose hop-by-hop ones and keep repeated ones', () => {
  assert.deepEqual(returnedHeaders(['Content-Type', 'application/json', 'Connection', 'close', 'Transfer-Encoding', 'chunked', 'Warning', 'a', 'Warning', 'b']), { 'content-type': 'application/json', warning: ['a', 'b'] });
});
