import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceAccountSettingsOf } from './sa-flags.js';

test('the issuer defaults to kubernetes.default.svc and the API audiences to the issuer', () => {
  assert.deepEqual(serviceAccountSettingsOf({}), { issuer: 'https://kubernetes.default.svc.cluster.local', apiAudiences: ['https://kubernetes.default.svc.cluster.local'] });
  assert.deepEqual(serviceAccountSettingsOf({ 'service-account-issuer': 'https://issuer.example', 'api-audiences': 'a, b' }), { issuer: 'https://issuer.example', apiAudiences: ['a', 'b'] });
});

test('a bad issuer or empty audiences are usage errors', () => {
  for (const f of [{ 'service-account-issuer': 'not a url' }, { 'service-account-issuer': 'http://plain' }, { 'service-account-issuer': 'https://x/?q=1' }, { 'api-audiences': ' , ' }]) assert.throws(() => serviceAccountSettingsOf(f), /--(service-account-issuer|api-audiences)/);
});
