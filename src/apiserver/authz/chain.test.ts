import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizerChain, forbiddenMessage, privilegedGroupAuthorizer } from './chain.js';
import type { Attributes, Authorizer } from './types.js';

const user = { name: 'jane', groups: ['system:authenticated'] };

test("403 messages are worded like Kubernetes'", () => {
  const list: Attributes = { user, verb: 'list', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: 'default' };
  assert.equal(forbiddenMessage(list), 'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
  const get: Attributes = { user, verb: 'get', resourceRequest: true, apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'web', namespace: 'x' };
  assert.equal(forbiddenMessage(get), 'deployments/scale "web" is forbidden: User "jane" cannot get resource "deployments/scale" in API group "apps" in the namespace "x"');
  const nodes: Attributes = { user, verb: 'delete', resourceRequest: true, apiGroup: '', resource: 'nodes', name: 'n1' };
  assert.equal(forbiddenMessage(nodes), 'nodes "n1" is forbidden: User "jane" cannot delete resource "nodes" in API group "" at the cluster scope');
  assert.equal(forbiddenMessage({ user, verb: 'get', resourceRequest: false, path: '/metrics' }), 'forbidden: User "jane" cannot get path "/metrics"');
});

test('the first allow or deny decides; no opinion from all is no opinion', async () => {
  const said = (decision: 'allow' | 'deny' | 'noOpinion', reason = ''): Authorizer => ({ name: decision, authorize: () => ({ decision, reason }) });
  const a: Attributes = { user, verb: 'get', resourceRequest: false, path: '/x' };
  assert.equal((await new AuthorizerChain([said('noOpinion'), said('deny', 'no'), said('allow')]).authorize(a)).decision, 'deny');
  assert.equal((await new AuthorizerChain([said('noOpinion', 'a'), said('noOpinion', 'b')]).authorize(a)).reason, 'a, b');
  assert.equal((await new AuthorizerChain([privilegedGroupAuthorizer]).authorize({ ...a, user: { name: 'x', groups: ['system:masters'] } })).decision, 'allow');
});

test('the chain lists rules by merging members that can; system:masters holds everything', async () => {
  const fixed = { name: 'fixed', authorize: () => ({ decision: 'noOpinion' as const, reason: '' }), rulesFor: () => ({ resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [], incomplete: false }) };
  const chain = new AuthorizerChain([privilegedGroupAuthorizer, { name: 'opaque', authorize: () => ({ decision: 'noOpinion', reason: '' }) }, fixed]);
  assert.deepEqual((await chain.rulesFor(user, 'ns')).resourceRules, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
  const master = await chain.rulesFor({ name: 'admin', groups: ['system:masters'] }, '');
  assert.deepEqual(master.resourceRules[0], { verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
  assert.deepEqual(master.nonResourceRules[0], { verbs: ['*'], nonResourceURLs: ['*'] });
});
