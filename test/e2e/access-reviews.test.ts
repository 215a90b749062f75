// The review APIs, impersonation and whoami, driven by the real kubectl (current and 1.27): can-i
// (yes/no and exit codes, non-resource paths, --list), whoami (table and JSON, impersonated too),
// SubjectAccessReview and TokenReview created with `kubectl create -f`, impersonation refused
// without the impersonate verb and allowed with it. The API server runs in this process with a
// fixed-rules authorizer standing in for RBAC (test/helpers/fixed-rules-authorizer.ts).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AuthorizerChain, privilegedGroupAuthorizer } from '../../src/apiserver/authz/chain.js';
import type { TokenAuthenticator } from '../../src/apiserver/authn.js';
import { issueCert } from '../../src/cli/pki.js';
import { FixedRulesAuthorizer } from '../helpers/fixed-rules-authorizer.js';
import { startInProcessApi, type InProcessApi } from '../helpers/in-process-api.js';
import { olderKubectl } from '../helpers/cluster.js';

const NODE_SECRET = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6';
/** One static bearer token for a node-like identity (as a --token-auth-file line would give). */
const staticToken: TokenAuthenticator = { name: 'static', authenticateToken: (t) => (t === NODE_SECRET ? { user: { name: 'system:node-agent', groups: ['system:nodes', 'system:authenticated'] } } : null) };

// What RBAC's bootstrap roles would grant (basic-user, discovery) plus a few bindings of the test's own.
const authorizer = new AuthorizerChain([
  privilegedGroupAuthorizer,
  new FixedRulesAuthorizer([
    { subjects: ['group:system:authenticated'], verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] },
    { subjects: ['group:system:authenticated'], verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
    { subjects: ['group:system:authenticated'], verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/healthz', '/version'] },
    // jane reads pods in default; the dev group reads configmaps there.
    { subjects: ['jane'], verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods'], namespace: 'default' },
    { subjects: ['group:dev'], verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], namespace: 'default' },
    // carol may impersonate jane and the dev group, nothing else.
    { subjects: ['carol'], verbs: ['impersonate'], apiGroups: [''], resources: ['users'], resourceNames: ['jane'] },
    { subjects: ['carol'], verbs: ['impersonate'], apiGroups: [''], resources: ['groups'], resourceNames: ['dev'] },
  ]),
]);

describe('access reviews, impersonation and whoami', () => {
  let api: InProcessApi;
  let jane: string;
  let bob: string;
  let carol: string;
  let old: string | undefined;
  before(async () => {
    api = await startInProcessApi({ authorizer, tokenAuthenticators: [staticToken] });
    [jane, bob, carol] = await Promise.all([api.userKubeconfig('jane'), api.userKubeconfig('bob', ['qa']), api.userKubeconfig('carol')]);
    old = await olderKubectl('1.27');
  });
  after(() => api?.stop());
  const binaries = () => ['kubectl', ...(old ? [old] : [])];

  test('can-i: yes exits 0, no exits 1, for resources and non-resource paths, as the user and through --as', async () => {
    for (const binary of binaries()) {
      const can = (args: string[], kubeconfig?: string) => api.kubectl(['auth', 'can-i', ...args], { kubeconfig, binary, allowFail: true });
      const admin = await can(['delete', 'nodes']);
      assert.deepEqual([admin.code, admin.stdout.trim()], [0, 'yes'], binary);
      const yes = await can(['list', 'pods', '-n', 'default'], jane);
      assert.deepEqual([yes.code, yes.stdout.trim()], [0, 'yes'], `${binary}: ${yes.stderr}`);
      const no = await can(['delete', 'pods', '-n', 'default'], jane);
      assert.deepEqual([no.code, no.stdout.trim()], [1, 'no'], binary);
      const elsewhere = await can(['list', 'pods', '-n', 'kube-system'], jane);
      assert.deepEqual([elsewhere.code, elsewhere.stdout.trim()], [1, 'no'], binary);
      const healthz = await can(['get', '/healthz'], jane);
      assert.deepEqual([healthz.code, healthz.stdout.trim()], [0, 'yes'], binary);
      const metrics = await can(['get', '/metrics'], jane);
      assert.deepEqual([metrics.code, metrics.stdout.trim()], [1, 'no'], binary);
      // The admin asks on jane's behalf: her rights, not the admin's; with --as-group, the group's too.
      const asJane = await can(['delete', 'nodes', '--as', 'jane']);
      assert.deepEqual([asJane.code, asJane.stdout.trim()], [1, 'no'], binary);
      assert.equal((await can(['list', 'pods', '-n', 'default', '--as', 'jane'])).code, 0, binary);
      assert.equal((await can(['list', 'configmaps', '-n', 'default', '--as', 'jane'])).code, 1, binary);
      assert.equal((await can(['list', 'configmaps', '-n', 'default', '--as', 'jane', '--as-group', 'dev'])).code, 0, binary);
    }
  });

  test('can-i --list shows the rules of the user in the namespace', async () => {
    for (const binary of binaries()) {
      const out = (await api.kubectl(['auth', 'can-i', '--list', '-n', 'default'], { kubeconfig: jane, binary })).stdout;
      assert.match(out, /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/m, binary);
      assert.match(out, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m, binary);
      assert.match(out, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m, binary);
      assert.match(out, /^\s+\[\/healthz\]\s+\[\]\s+\[get\]/m, binary);
      assert.doesNotMatch(out, /configmaps/, binary);
      const elsewhere = (await api.kubectl(['auth', 'can-i', '--list', '-n', 'kube-system'], { kubeconfig: jane, binary })).stdout;
      assert.doesNotMatch(elsewhere, /^pods\s/m, binary);
      const asDev = (await api.kubectl(['auth', 'can-i', '--list', '-n', 'default', '--as', 'jane', '--as-group', 'dev'], { binary })).stdout;
      assert.match(asDev, /^configmaps\s+\[\]\s+\[\]\s+\[get list\]/m, binary);
    }
  });

  test('whoami: table and JSON, for the admin, an impersonated user and a bearer token', async () => {
    for (const binary of binaries()) {
      const table = (await api.kubectl(['auth', 'whoami'], { binary })).stdout;
      assert.match(table, /^ATTRIBUTE\s+VALUE/m, binary);
      assert.match(table, /^Username\s+system:admin$/m, binary);
      assert.match(table, /^Groups\s+\[system:masters system:authenticated\]$/m, binary);
      const json = JSON.parse((await api.kubectl(['auth', 'whoami', '-o', 'json', '--as', 'jane', '--as-group', 'dev'], { binary })).stdout);
      assert.equal(json.kind, 'SelfSubjectReview', binary);
      assert.deepEqual(json.status.userInfo, { username: 'jane', groups: ['dev', 'system:authenticated'] }, binary);
      const mine = JSON.parse((await api.kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: bob, binary })).stdout);
      assert.deepEqual(mine.status.userInfo, { username: 'bob', groups: ['qa', 'system:authenticated'] }, binary);
    }
    const node = await api.tokenKubeconfig(NODE_SECRET);
    assert.match((await api.kubectl(['auth', 'whoami'], { kubeconfig: node })).stdout, /^Username\s+system:node-agent$/m);
  });

  test('a SubjectAccessReview and a LocalSubjectAccessReview created with kubectl create -f; malformed ones are 422 with field paths', async () => {
    const sar = (spec: object, kind = 'SubjectAccessReview', metadata: object = {}) => JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind, metadata, spec });
    const create = (body: string) => api.kubectl(['create', '-f', '-', '-o', 'json'], { input: body, allowFail: true });
    const allowed = await create(sar({ user: 'jane', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } }));
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(JSON.parse(allowed.stdout).status.allowed, true);
    assert.match(JSON.parse(allowed.stdout).status.reason, /allowed by test rule/);
    // The subject is taken as given: jane without the dev group cannot read configmaps; with it, she can.
    const denied = JSON.parse((await create(sar({ user: 'jane', resourceAttributes: { namespace: 'default', verb: 'get', resource: 'configmaps' } }))).stdout);
    assert.deepEqual(denied.status, { allowed: false });
    const group = JSON.parse((await create(sar({ user: 'jane', groups: ['dev'], resourceAttributes: { namespace: 'default', verb: 'get', resource: 'configmaps' } }))).stdout);
    assert.equal(group.status.allowed, true);
    // Field and label selectors (1.31+) are accepted.
    const selectors = await create(sar({ user: 'jane', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods', fieldSelector: { rawSelector: 'spec.nodeName=n1' }, labelSelector: { requirements: [{ key: 'app', operator: 'In', values: ['web'] }] } } }));
    assert.equal(JSON.parse(selectors.stdout).status.allowed, true, selectors.stderr);
    const local = await api.kubectl(['create', '-n', 'default', '-f', '-', '-o', 'json'], { input: sar({ user: 'jane', resourceAttributes: { namespace: 'default', verb: 'watch', resource: 'pods' } }, 'LocalSubjectAccessReview') });
    assert.equal(JSON.parse(local.stdout).status.allowed, true);
    const nonResource = JSON.parse((await create(sar({ groups: ['system:authenticated'], nonResourceAttributes: { path: '/healthz', verb: 'get' } }))).stdout);
    assert.equal(nonResource.status.allowed, true);

    const invalid = await create(sar({ resourceAttributes: { verb: 'get', resource: 'pods' }, nonResourceAttributes: { path: '/x', verb: 'get' } }));
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /The SubjectAccessReview "" is invalid/);
    assert.match(invalid.stderr, /spec\.nonResourceAttributes: Invalid value: .*cannot be specified in combination with resourceAttributes/);
    assert.match(invalid.stderr, /spec\.user: Invalid value: "": at least one of user or group must be specified/);
    const named = await create(sar({ user: 'jane', resourceAttributes: { verb: 'get' } }, 'SubjectAccessReview', { name: 'x' }));
    assert.match(named.stderr, /metadata: Invalid value: .*must be empty/);
    const mismatch = await api.kubectl(['create', '-n', 'default', '-f', '-'], { input: sar({ user: 'jane', resourceAttributes: { namespace: 'other', verb: 'get' } }, 'LocalSubjectAccessReview'), allowFail: true });
    assert.match(mismatch.stderr, /spec\.resourceAttributes\.namespace: Invalid value: "other": must match metadata\.namespace/);
    // The raw Status: 422 Invalid with causes naming each field.
    const raw = await api.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { body: { spec: {} } });
    assert.equal(raw.status, 422);
    assert.match(raw.json.message, /^SubjectAccessReview\.authorization\.k8s\.io "" is invalid: \[spec\.resourceAttributes: /);
    assert.deepEqual(
      raw.json.details.causes.map((c: { field: string }) => c.field),
      ['spec.resourceAttributes', 'spec.user'],
    );
    // Hostile bodies are 4xx Status answers, never a 500.
    for (const body of [{ spec: 'x' }, { spec: { resourceAttributes: [] } }, { spec: { user: 1, groups: 'g', resourceAttributes: { verb: 2, fieldSelector: { requirements: [null, 3] } } } }, [], 'x', { metadata: 7 }]) {
      const r = await api.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { body });
      assert.ok(r.status === 400 || r.status === 422, `${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.json)}`);
    }
    const strict = await api.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews?fieldValidation=Strict', { body: { spec: { resourceAttributes: { verb: 'get', bogus: 1 } } } });
    assert.deepEqual([strict.status, strict.json.message], [400, 'strict decoding error: unknown field "spec.resourceAttributes.bogus"']);
    // Reviews are create-only: listing them is 405.
    assert.equal((await api.request('GET', '/apis/authorization.k8s.io/v1/subjectaccessreviews')).status, 405);
    // jane may review herself but not others.
    const forbidden = await api.kubectl(['create', '-f', '-'], { kubeconfig: jane, input: sar({ user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods' } }), allowFail: true });
    assert.match(forbidden.stderr, /subjectaccessreviews\.authorization\.k8s\.io is forbidden: User "jane" cannot create resource "subjectaccessreviews" in API group "authorization\.k8s\.io" at the cluster scope/);
  });

  test('TokenReview: the node token names the node agent; a forged token is not authenticated, with no detail', async () => {
    const review = (token: string) => JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    const good = JSON.parse((await api.kubectl(['create', '-f', '-', '-o', 'json'], { input: review(NODE_SECRET) })).stdout);
    assert.equal(good.status.authenticated, true);
    assert.deepEqual(good.status.user, { username: 'system:node-agent', groups: ['system:nodes', 'system:authenticated'] });
    const forged = JSON.parse((await api.kubectl(['create', '-f', '-', '-o', 'json'], { input: review(`${NODE_SECRET.slice(0, -1)}0`) })).stdout);
    assert.notEqual(forged.status.authenticated, true);
    assert.deepEqual(forged.status.user, {});
    assert.equal(forged.status.error, 'invalid bearer token');
    const empty = await api.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { body: { spec: {} } });
    assert.deepEqual([empty.status, empty.json.message], [400, 'token is required for TokenReview in authentication']);
  });

  test('generated review bodies and impersonation headers are answered with Status objects, never a 500', async () => {
    const paths = [
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      '/apis/authentication.k8s.io/v1/tokenreviews',
      '/apis/authentication.k8s.io/v1beta1/selfsubjectreviews',
    ];
    const attrs = fc.record({ namespace: fc.string(), verb: fc.string(), resource: fc.string(), fieldSelector: fc.jsonValue(), labelSelector: fc.jsonValue() }, { requiredKeys: [] });
    const spec = fc.oneof(fc.jsonValue(), fc.record({ resourceAttributes: fc.oneof(attrs, fc.jsonValue()), nonResourceAttributes: fc.jsonValue(), user: fc.jsonValue(), groups: fc.jsonValue(), extra: fc.jsonValue(), token: fc.jsonValue(), audiences: fc.jsonValue(), namespace: fc.jsonValue() }, { requiredKeys: [] }));
    const header = fc.stringMatching(/^[\x20-\x7e]{0,40}$/).map((v) => v.trim());
    const headers = fc.record({ 'Impersonate-User': header, 'Impersonate-Group': fc.array(header, { maxLength: 3 }), 'Impersonate-Uid': header, 'Impersonate-Extra-A%2Fb': header }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.record({ metadata: fc.jsonValue(), spec }, { requiredKeys: [] }), headers, async (path, body, h) => {
        const r = await api.request('POST', path, { body, headers: Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '' && !(Array.isArray(v) && v.length === 0))) });
        assert.ok(r.status < 500, `${path} ${JSON.stringify(body)} ${JSON.stringify(h)}: ${r.status} ${JSON.stringify(r.json)}`);
        assert.equal(typeof r.json, 'object');
      }),
      { numRuns: 150 },
    );
  });

  test('impersonation: refused without the impersonate verb, allowed with it, 400 for a group without a user', async () => {
    const refused = await api.kubectl(['get', 'pods', '-n', 'default', '--as', 'jane'], { kubeconfig: bob, allowFail: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope/);
    const allowed = await api.kubectl(['get', 'pods', '-n', 'default', '--as', 'jane', '--as-group', 'dev'], { kubeconfig: carol, allowFail: true });
    assert.equal(allowed.code, 0, allowed.stderr);
    // carol herself cannot list pods; as jane she can, and as jane only what jane can.
    assert.notEqual((await api.kubectl(['get', 'pods', '-n', 'default'], { kubeconfig: carol, allowFail: true })).code, 0);
    const notJanes = await api.kubectl(['get', 'secrets', '-n', 'default', '--as', 'jane'], { kubeconfig: carol, allowFail: true });
    assert.match(notJanes.stderr, /secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "default"/);
    const otherGroup = await api.kubectl(['get', 'pods', '-n', 'default', '--as', 'jane', '--as-group', 'system:masters'], { kubeconfig: carol, allowFail: true });
    assert.match(otherGroup.stderr, /groups "system:masters" is forbidden: User "carol" cannot impersonate resource "groups"/);
    const sa = await api.kubectl(['get', 'pods', '-n', 'default', '--as', 'system:serviceaccount:default:builder'], { kubeconfig: carol, allowFail: true });
    assert.match(sa.stderr, /serviceaccounts "builder" is forbidden: User "carol" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "default"/);
    const cert = await issueCert(api.pki.ca, { commonName: 'carol', usage: 'client' });
    const groupOnly = await api.request('GET', '/api/v1/namespaces/default/pods', { cert, headers: { 'Impersonate-Group': 'dev' } });
    assert.equal(groupOnly.status, 400);
    assert.match(groupOnly.json.message, /without impersonating a user/);
    const extra = await api.request('GET', '/api/v1/namespaces/default/pods', { cert, headers: { 'Impersonate-User': 'jane', 'Impersonate-Extra-Scopes': 'view' } });
    assert.equal(extra.status, 403);
    assert.match(extra.json.message, /userextras\.authentication\.k8s\.io "view" is forbidden: User "carol" cannot impersonate resource "userextras\/scopes" in API group "authentication\.k8s\.io"/);
  });
});
