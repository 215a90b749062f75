import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizerChain, alwaysAllow, privilegedGroupAuthorizer } from './chain.js';
import type { Authorizer, RuleResolver, RulesResult } from './types.js';

const user = { name: 'jane', groups: ['system:authenticated'] };
const resolver = (r: RulesResult | Error): Authorizer & RuleResolver => ({
  name: 'r',
  authorize: () => ({ decision: 'noOpinion', reason: '' }),
  rulesFor: () => {
    if (r instanceof Error) throw r;
    return r;
  },
});

test('a chain merges the rules of members that can list them, as Kubernetes does', async () => {
  const a = resolver({ resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [], incomplete: false });
  const b = resolver({ resourceRules: [], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], incomplete: true, evaluationError: 'role "x" not found' });
  // The privileged-group authorizer lists nothing (RBAC's binding of system:masters does), as in Kubernetes.
  const r = await new AuthorizerChain([privilegedGroupAuthorizer, a, b]).rulesFor(user, 'default');
  assert.deepEqual(r, { resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], incomplete: true, evaluationError: 'role "x" not found' });
});

test('a member that fails leaves the others rules, incomplete, errors aggregated', async () => {
  const r = await new AuthorizerChain([resolver(new Error('one')), resolver(new Error('two')), alwaysAllow]).rulesFor(user, 'default');
  assert.equal(r.incomplete, true);
  assert.equal(r.evaluationError, '[one, two]');
  assert.deepEqual(r.resourceRules, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]);
  assert.deepEqual(r.nonResourceRules, [{ verbs: ['*'], nonResourceURLs: ['*'] }]);
});
