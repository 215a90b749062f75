import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { ApiError } from '../../api/errors.js';

const P = '/registry/core/services/default/';
const raw = (o: unknown) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const rejects = (token: string, message: RegExp) =>
  assert.throws(
    () => decodeContinue(token, P),
    (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && message.test(e.message),
  );

test('a token round-trips to the key after which the next page starts, inside the prefix', () => {
  const t = encodeContinue(42, `${P}web`, P);
  assert.deepEqual(JSON.parse(Buffer.from(t, 'base64url').toString()), { v: 'meta.k8s.io/v1', rv: 42, start: 'web' });
  assert.deepEqual(decodeContinue(t, P), { after: `${P}web`, rv: 42 });
  assert.deepEqual(decodeContinue(raw({ v: 'meta.k8s.io/v1', rv: -1, start: 'web' }), P), { after: `${P}web`, rv: -1 });
});

test('forged start keys cannot leave the prefix', () => {
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 5, start: '/registry/core/secrets/default/' }), /^invalid continue token: continue key is not valid: \/registry\/core\/secrets/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 5, start: '../../secrets/default/x' }), /continue key is not valid: \.\.\/\.\.\/secrets/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 5, start: 'a/../../x' }), /continue key is not valid/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 5, start: 'a//b' }), /continue key is not valid/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 5, start: './a' }), /continue key is not valid/);
  // A whole key inside this prefix (as older servers issued) is fine.
  assert.deepEqual(decodeContinue(raw({ v: 'meta.k8s.io/v1', rv: 5, start: `${P}web` }), P), { after: `${P}web`, rv: 5 });
});

test("malformed tokens are 400 with Kubernetes' messages", () => {
  rejects('not base64!', /^invalid continue token: continue key is not valid: illegal base64 data at input byte 3$/);
  rejects('YWJj=', /illegal base64 data/);
  rejects(raw('{"v":'), /^invalid continue token: continue key is not valid: /);
  rejects(raw('[1]'), /continue key is not valid/);
  rejects(raw({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' }), /server does not recognize this encoded version meta.k8s.io\/v2$/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }), /incorrect encoded start resourceVersion \(version meta.k8s.io\/v1\)$/);
  rejects(raw({ v: 'meta.k8s.io/v1', start: 'a' }), /incorrect encoded start resourceVersion/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'a' }), /continue key is not valid/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: '7', start: 'a' }), /continue key is not valid/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 3, start: '' }), /encoded start key empty \(version meta.k8s.io\/v1\)$/);
  rejects(raw({ v: 'meta.k8s.io/v1', rv: 3, start: 7 }), /continue key is not valid/);
});
