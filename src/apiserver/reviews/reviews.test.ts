import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../api/errors.js';
import { builtinKinds } from '../../api/kinds/index.js';
import type { TokenAuthenticator } from '../authn.js';
import type { Attributes, Authorizer } from '../authz/types.js';
import { decodeProtobuf } from '../protobuf/decode.js';
import { attributesOfReview, decide, subjectOf } from './access-reviews.js';
import { answerRulesReview, rulesOf } from './rules-review.js';
import { answerTokenReview, INVALID_TOKEN } from './token-review.js';

const jane = { name: 'jane', groups: ['dev'] };
const def = (kind: string, version = 'v1') => builtinKinds.find((k) => k.kind === kind && k.version === version)!;

test('review specs become the attributes of the request they ask about', () => {
  assert.deepEqual(attributesOfReview(jane, { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'a', name: 'p', subresource: 'log' } }), {
    user: jane,
    verb: 'get',
    resourceRequest: true,
    apiGroup: '',
    apiVersion: '*',
    resource: 'pods',
    subresource: 'log',
    namespace: 'a',
    name: 'p',
  });
  assert.deepEqual(attributesOfReview(jane, { resourceAttributes: { verb: 'list', group: 'apps', version: 'v1', resource: 'deployments', namespace: '' } }).namespace, undefined);
  assert.deepEqual(attributesOfReview(jane, { nonResourceAttributes: { path: '/healthz', verb: 'get' } }), { user: jane, verb: 'get', resourceRequest: false, path: '/healthz' });
  // A SubjectAccessReview's subject is taken as given: no system:authenticated added.
  assert.deepEqual(subjectOf({ user: 'bob', groups: ['g'], uid: '1', extra: { k: ['v'] } }), { name: 'bob', groups: ['g'], uid: '1', extra: { k: ['v'] } });
  assert.deepEqual(subjectOf({ groups: ['g'] }), { name: '', groups: ['g'] });
});

test('the status says allowed, denied, reason; an authorizer that throws is an evaluation error', async () => {
  const a: Attributes = { user: jane, verb: 'get', resourceRequest: false, path: '/x' };
  const says = (decision: 'allow' | 'deny' | 'noOpinion', reason: string): Authorizer => ({ name: 't', authorize: () => ({ decision, reason }) });
  assert.deepEqual(await decide(says('allow', 'ok'), a), { allowed: true, reason: 'ok' });
  assert.deepEqual(await decide(says('deny', 'no'), a), { allowed: false, denied: true, reason: 'no' });
  assert.deepEqual(await decide(says('noOpinion', ''), a), { allowed: false });
  const broken: Authorizer = {
    name: 'b',
    authorize: () => {
      throw new Error('store down');
    },
  };
  assert.deepEqual(await decide(broken, a), { allowed: false, evaluationError: 'store down' });
});

test('rules reviews need a namespace; an authorizer without rules gives an empty, incomplete answer', async () => {
  const plain: Authorizer = { name: 'p', authorize: () => ({ decision: 'allow', reason: '' }) };
  await assert.rejects(answerRulesReview(def('SelfSubjectRulesReview'), plain, { spec: {} }, jane), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'no namespace on request');
  assert.deepEqual(await rulesOf(plain, jane, 'default'), { resourceRules: [], nonResourceRules: [], incomplete: true });
  const out = await answerRulesReview(def('SelfSubjectRulesReview'), { ...plain, rulesFor: () => ({ resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: [] }], nonResourceRules: [], incomplete: false }) } as Authorizer, { spec: { namespace: 'default' } }, jane);
  assert.deepEqual(out.status, { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [], incomplete: false });
});

test('TokenReview: a good token names its user, a forged one says nothing more than invalid', async () => {
  const good: TokenAuthenticator = { name: 'g', authenticateToken: (t) => (t === 'good' ? { user: { name: 'system:node-agent', groups: ['system:nodes', 'system:authenticated'] } } : null) };
  const ok = await answerTokenReview([good], { spec: { token: 'good' } });
  assert.deepEqual(ok.status, { authenticated: true, user: { username: 'system:node-agent', groups: ['system:nodes', 'system:authenticated'] } });
  const bad = await answerTokenReview([good], { spec: { token: 'forged' } });
  assert.deepEqual(bad.status, { user: {}, error: INVALID_TOKEN });
  const throwing: TokenAuthenticator = {
    name: 't',
    authenticateToken: () => {
      throw new Error('secret detail');
    },
  };
  assert.deepEqual((await answerTokenReview([throwing], { spec: { token: 'x' } })).status, { user: {}, error: INVALID_TOKEN });
  await assert.rejects(answerTokenReview([good], { spec: {} }), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message === 'token is required for TokenReview in authentication');
});

test('TokenReview audiences: an audience-agnostic authenticator cannot vouch for another audience; audiences given are reported', async () => {
  const agnostic: TokenAuthenticator = { name: 'a', authenticateToken: () => ({ user: { name: 'u', groups: [] } }) };
  assert.deepEqual((await answerTokenReview([agnostic], { spec: { token: 't', audiences: ['vault'] } })).status, { user: {}, error: INVALID_TOKEN });
  const aware: TokenAuthenticator = { name: 'w', authenticateToken: (_t, auds) => ({ user: { name: 'u', uid: '9', groups: [] }, audiences: auds?.filter((a) => a === 'vault') }) };
  assert.deepEqual((await answerTokenReview([aware], { spec: { token: 't', audiences: ['vault', 'x'] } })).status, { authenticated: true, user: { username: 'u', uid: '9' }, audiences: ['vault'] });
  // One returning audiences none of which were asked for is broken: 500, as in Kubernetes.
  await assert.rejects(answerTokenReview([aware], { spec: { token: 't', audiences: ['other'] } }), (e: unknown) => e instanceof ApiError && e.code === 500);
});

test('reviews decode from protobuf, user extras (ExtraValue) included', () => {
  const varint = (n: number) => (n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7]);
  const bytes = (num: number, b: number[]) => [(num << 3) | 2, ...varint(b.length), ...b];
  const s = (num: number, v: string) => bytes(num, [...Buffer.from(v)]);
  const resourceAttributes = bytes(1, [...s(2, 'get'), ...s(5, 'pods')]);
  const extra = [...bytes(5, [...s(1, 'scopes'), ...bytes(2, [...s(1, 'a'), ...s(1, 'b')])]), ...bytes(5, [...s(1, '__proto__'), ...bytes(2, s(1, 'c'))])];
  const spec = bytes(2, [...resourceAttributes, ...s(3, 'jane'), ...s(4, 'dev'), ...extra]);
  const typeMeta = bytes(1, [...s(1, 'authorization.k8s.io/v1'), ...s(2, 'SubjectAccessReview')]);
  const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...typeMeta, ...bytes(2, spec)]);
  assert.deepEqual(decodeProtobuf(body, def('SubjectAccessReview').schema), {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { resourceAttributes: { verb: 'get', resource: 'pods' }, user: 'jane', groups: ['dev'], extra: JSON.parse('{"scopes":["a","b"],"__proto__":["c"]}') },
  });
});
