import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveUsernamePrefix, userOfClaims } from './oidc-claims.js';

const issuer = 'https://idp.example';

test("username prefix: kube-apiserver's defaults", () => {
  assert.equal(effectiveUsernamePrefix({ issuer, usernameClaim: 'sub' }), 'https://idp.example#');
  assert.equal(effectiveUsernamePrefix({ issuer, usernameClaim: 'email' }), '');
  assert.equal(effectiveUsernamePrefix({ issuer, usernameClaim: 'sub', usernamePrefix: '-' }), '');
  assert.equal(effectiveUsernamePrefix({ issuer, usernameClaim: 'email', usernamePrefix: 'oidc:' }), 'oidc:');
});

test('claims to user: username, groups (string or list), prefixes', () => {
  assert.deepEqual(userOfClaims({ sub: 'u1' }, { issuer, usernameClaim: 'sub' }), { name: 'https://idp.example#u1', groups: ['system:authenticated'] });
  assert.deepEqual(userOfClaims({ sub: 'u1', groups: ['a', 'b'] }, { issuer, usernameClaim: 'sub', usernamePrefix: 'oidc:', groupsClaim: 'groups', groupsPrefix: 'oidc:' }), { name: 'oidc:u1', groups: ['oidc:a', 'oidc:b', 'system:authenticated'] });
  assert.deepEqual(userOfClaims({ sub: 'u1', groups: 'solo' }, { issuer, usernameClaim: 'sub', groupsClaim: 'groups' })?.groups, ['solo', 'system:authenticated']);
  assert.equal(userOfClaims({ sub: 'u1', groups: [1] }, { issuer, usernameClaim: 'sub', groupsClaim: 'groups' }), null);
  assert.equal(userOfClaims({ sub: '' }, { issuer, usernameClaim: 'sub' }), null);
  assert.equal(userOfClaims({ sub: 7 }, { issuer, usernameClaim: 'sub' }), null);
  assert.equal(userOfClaims({}, { issuer, usernameClaim: 'sub' }), null);
});

test('email needs email_verified true when present; required claims must match exactly', () => {
  const m = { issuer, usernameClaim: 'email' };
  assert.equal(userOfClaims({ email: 'a@x', email_verified: true }, m)?.name, 'a@x');
  assert.equal(userOfClaims({ email: 'a@x', email_verified: false }, m), null);
  assert.equal(userOfClaims({ email: 'a@x', email_verified: 'true' }, m), null);
  assert.equal(userOfClaims({ email: 'a@x' }, m)?.name, 'a@x', 'absent: accepted, as kube-apiserver does');
  const req = { issuer, usernameClaim: 'sub', requiredClaims: { hd: 'example.com' } };
  assert.ok(userOfClaims({ sub: 'u', hd: 'example.com' }, req));
  assert.equal(userOfClaims({ sub: 'u', hd: 'evil.com' }, req), null);
  assert.equal(userOfClaims({ sub: 'u' }, req), null);
});

test('a provider cannot hand out system: identities', () => {
  assert.equal(userOfClaims({ sub: 'system:admin' }, { issuer, usernameClaim: 'sub', usernamePrefix: '-' }), null);
  assert.equal(userOfClaims({ sub: 'u', groups: ['system:masters'] }, { issuer, usernameClaim: 'sub', groupsClaim: 'groups' }), null);
});
