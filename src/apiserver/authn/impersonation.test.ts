import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../../api/errors.js';
import type { UserInfo } from '../context.js';
import type { Attributes, Authorizer } from '../authz/types.js';
import { impersonate, impersonateAttributes, impersonatedUser, impersonationRequests, impersonatorOf, serviceAccountOf } from './impersonation.js';

const admin: UserInfo = { name: 'admin', groups: ['ops', 'system:authenticated'] };
const req = (headers: Record<string, string[]>) => ({ headersDistinct: headers, rawHeaders: Object.entries(headers).flatMap(([k, vs]) => vs.flatMap((v) => [k.replace(/^i/, 'I'), v])) }) as unknown as IncomingMessage;

/** Allows exactly the impersonations listed as "resource/name" (or "resource/sub/name"), and records every check. */
function allowing(...allowed: string[]) {
  const asked: Attributes[] = [];
  const authorizer: Authorizer = {
    name: 'test',
    authorize(a) {
      asked.push(a);
      const key = [a.resource, a.subresource, a.name].filter((x) => x !== undefined).join('/');
      return a.verb === 'impersonate' && a.user.name === 'admin' && allowed.includes(key) ? { decision: 'allow', reason: '' } : { decision: 'noOpinion', reason: '' };
    },
  };
  return { authorizer, asked };
}

test('service account usernames are recognised only when well formed', () => {
  assert.deepEqual(serviceAccountOf('system:serviceaccount:ns1:builder'), { namespace: 'ns1', name: 'builder' });
  for (const u of ['system:serviceaccount:ns1', 'system:serviceaccount:ns1:a:b', 'system:serviceaccount:NS:a', 'system:serviceaccount::a', 'jane']) assert.equal(serviceAccountOf(u), undefined, u);
});

test('headers become requests in order: user, groups, extras (percent-decoded, lower-cased keys), uid', () => {
  const r = impersonationRequests({ 'impersonate-user': ['jane'], 'impersonate-group': ['dev', 'qa'], 'impersonate-extra-scopes': ['view', 'edit'], 'impersonate-extra-acme.com%2fproject': ['p1'], 'impersonate-uid': ['1234'] });
  assert.deepEqual(r, [
    { kind: 'User', name: 'jane' },
    { kind: 'Group', name: 'dev' },
    { kind: 'Group', name: 'qa' },
    { kind: 'UserExtra', key: 'scopes', value: 'view' },
    { kind: 'UserExtra', key: 'scopes', value: 'edit' },
    { kind: 'UserExtra', key: 'acme.com/project', value: 'p1' },
    { kind: 'UID', name: '1234' },
  ]);
  assert.deepEqual(impersonationRequests({ 'impersonate-user': ['system:serviceaccount:ci:deployer'] }), [{ kind: 'ServiceAccount', namespace: 'ci', name: 'deployer' }]);
  assert.deepEqual(impersonationRequests({ accept: ['*/*'] }), []);
});

test('groups, extras or a uid without a user are a 400', () => {
  for (const h of [{ 'impersonate-group': ['dev'] }, { 'impersonate-extra-scopes': ['x'] }, { 'impersonate-uid': ['1'] }, { 'impersonate-user': [''], 'impersonate-group': ['dev'] }]) {
    assert.throws(
      () => impersonationRequests(h),
      (e: unknown) => e instanceof ApiError && e.code === 400 && /without impersonating a user/.test(e.message),
    );
  }
});

test('each request is checked with the impersonate verb on the resource Kubernetes uses', () => {
  const by = admin;
  assert.deepEqual(impersonateAttributes(by, { kind: 'User', name: 'jane' }), { user: by, verb: 'impersonate', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'users', name: 'jane' });
  assert.deepEqual(impersonateAttributes(by, { kind: 'Group', name: 'dev' }).resource, 'groups');
  assert.deepEqual(impersonateAttributes(by, { kind: 'ServiceAccount', namespace: 'ci', name: 'd' }), { user: by, verb: 'impersonate', resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource: 'serviceaccounts', namespace: 'ci', name: 'd' });
  const extra = impersonateAttributes(by, { kind: 'UserExtra', key: 'scopes', value: 'view' });
  assert.deepEqual([extra.apiGroup, extra.resource, extra.subresource, extra.name], ['authentication.k8s.io', 'userextras', 'scopes', 'view']);
  const uid = impersonateAttributes(by, { kind: 'UID', name: '1234' });
  assert.deepEqual([uid.apiGroup, uid.resource, uid.name], ['authentication.k8s.io', 'uids', '1234']);
});

test('the impersonated user: system:authenticated added unless the groups say otherwise; service accounts get their groups', () => {
  assert.deepEqual(impersonatedUser([{ kind: 'User', name: 'jane' }], false), { name: 'jane', groups: ['system:authenticated'] });
  assert.deepEqual(
    impersonatedUser(
      [
        { kind: 'User', name: 'jane' },
        { kind: 'Group', name: 'dev' },
        { kind: 'UID', name: '7' },
        { kind: 'UserExtra', key: 'k', value: 'v' },
      ],
      true,
    ),
    { name: 'jane', groups: ['dev', 'system:authenticated'], uid: '7', extra: { k: ['v'] } },
  );
  assert.deepEqual(
    impersonatedUser(
      [
        { kind: 'User', name: 'jane' },
        { kind: 'Group', name: 'system:authenticated' },
      ],
      true,
    ).groups,
    ['system:authenticated'],
  );
  assert.deepEqual(
    impersonatedUser(
      [
        { kind: 'User', name: 'jane' },
        { kind: 'Group', name: 'system:unauthenticated' },
      ],
      true,
    ).groups,
    ['system:unauthenticated'],
  );
  assert.deepEqual(impersonatedUser([{ kind: 'User', name: 'system:anonymous' }], false).groups, ['system:unauthenticated']);
  assert.deepEqual(impersonatedUser([{ kind: 'ServiceAccount', namespace: 'ci', name: 'd' }], false), { name: 'system:serviceaccount:ci:d', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] });
  // Groups given are the authority, for service accounts too.
  assert.deepEqual(
    impersonatedUser(
      [
        { kind: 'ServiceAccount', namespace: 'ci', name: 'd' },
        { kind: 'Group', name: 'x' },
      ],
      true,
    ).groups,
    ['x', 'system:authenticated'],
  );
});

test('an extra key named __proto__ is just a key', () => {
  const u = impersonatedUser(
    [
      { kind: 'User', name: 'jane' },
      { kind: 'UserExtra', key: '__proto__', value: 'x' },
      { kind: 'UserExtra', key: '__proto__', value: 'y' },
    ],
    false,
  );
  assert.deepEqual(Object.getOwnPropertyDescriptor(u.extra, '__proto__')?.value, ['x', 'y']);
  assert.equal(Object.getPrototypeOf(u.extra), Object.prototype);
});

test('impersonate(): no headers keeps the user; each part must be allowed; 403 worded like Kubernetes', async () => {
  const { authorizer, asked } = allowing('users/jane', 'groups/dev');
  assert.equal(await impersonate(req({}), admin, authorizer), admin);
  assert.equal(asked.length, 0);
  const r = req({ 'impersonate-user': ['jane'], 'impersonate-group': ['dev'] });
  assert.deepEqual(await impersonate(r, admin, authorizer), { name: 'jane', groups: ['dev', 'system:authenticated'] });
  assert.equal(impersonatorOf(r), admin);
  assert.deepEqual(
    asked.map((a) => a.resource),
    ['users', 'groups'],
  );
  await assert.rejects(impersonate(req({ 'impersonate-user': ['jane'], 'impersonate-group': ['admins'] }), admin, authorizer), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 403);
    assert.equal(e.message, 'groups "admins" is forbidden: User "admin" cannot impersonate resource "groups" in API group "" at the cluster scope');
    return true;
  });
  await assert.rejects(impersonate(req({ 'impersonate-user': ['system:serviceaccount:ci:d'] }), admin, authorizer), /serviceaccounts "d" is forbidden: User "admin" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "ci"/);
  await assert.rejects(impersonate(req({ 'impersonate-user': ['jane'], 'impersonate-extra-scopes': ['view'] }), admin, authorizer), /userextras\.authentication\.k8s\.io "view" is forbidden: User "admin" cannot impersonate resource "userextras\/scopes" in API group "authentication.k8s.io"/);
  await assert.rejects(impersonate(req({ 'impersonate-user': ['bob'] }), { name: 'eve', groups: [] }, authorizer), /users "bob" is forbidden: User "eve"/);
});

test('an authorizer that throws refuses impersonation', async () => {
  const broken: Authorizer = {
    name: 'broken',
    authorize() {
      throw new Error('boom');
    },
  };
  await assert.rejects(impersonate(req({ 'impersonate-user': ['jane'] }), admin, broken), (e: unknown) => e instanceof ApiError && e.code === 403);
});
