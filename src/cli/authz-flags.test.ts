import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './args.js';
import { authzOf } from './authz-flags.js';

test('authorization flags: Kubernetes defaults, values checked', () => {
  assert.deepEqual(authzOf({}), { anonymousAuth: true, authorizationMode: 'RBAC' });
  assert.deepEqual(authzOf({ 'anonymous-auth': 'false', 'authorization-mode': 'AlwaysAllow' }), { anonymousAuth: false, authorizationMode: 'AlwaysAllow' });
  assert.throws(() => authzOf({ 'anonymous-auth': 'no' }), UsageError);
  assert.throws(() => authzOf({ 'authorization-mode': 'Node,RBAC' }), UsageError);
});
