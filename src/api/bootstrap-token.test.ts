import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isExpired, parseBootstrapToken, readTokenSecret, tokenSecretData, validExtraGroups } from './bootstrap-token.js';

test('token shape: <6 lowercase alphanumerics>.<16 lowercase alphanumerics> only', () => {
  assert.deepEqual(parseBootstrapToken('abcdef.0123456789abcdef'), { id: 'abcdef', secret: '0123456789abcdef' });
  for (const bad of ['', 'abcdef', 'ABCDEF.0123456789abcdef', 'abcde.0123456789abcdef', 'abcdef.0123456789abcde', 'abcdef.0123456789abcdef0', 'abcdef:0123456789abcdef', ' abcdef.0123456789abcdef']) assert.equal(parseBootstrapToken(bad), undefined, bad);
});

test('expiry: past and unparseable expirations are expired; none never expires', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(isExpired(undefined, now), false);
  assert.equal(isExpired('2026-01-01T00:00:01Z', now), false);
  assert.equal(isExpired('2026-01-01T00:00:00Z', now), true);
  assert.equal(isExpired('not a date', now), true);
});

test('extra groups must be system:bootstrappers:...', () => {
  assert.deepEqual(validExtraGroups(['system:bootstrappers:workers']), ['system:bootstrappers:workers']);
  assert.equal(validExtraGroups(['system:masters']), undefined);
  assert.equal(validExtraGroups(['system:bootstrappers:']), undefined);
});

test('a Secret written from tokenSecretData reads back', () => {
  const data = Object.fromEntries(Object.entries(tokenSecretData({ id: 'abcdef', secret: '0123456789abcdef', expiration: '2026-01-01T00:00:00Z', description: 'd', extraGroups: ['system:bootstrappers:x'] })).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const t = readTokenSecret({ type: 'bootstrap.kubernetes.io/token', data })!;
  assert.equal(t.id, 'abcdef');
  assert.equal(t.secret, '0123456789abcdef');
  assert.equal(t.authentication, true);
  assert.deepEqual(t.extraGroups, ['system:bootstrappers:x']);
  assert.equal(readTokenSecret({ type: 'Opaque', data }), undefined);
});
