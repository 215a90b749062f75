import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../api/errors.js';
import type { Authorizer, RuleResolver } from '../types.js';
import { confirmNoEscalation } from './escalation.js';

const jane = { name: 'jane', groups: ['devs', 'system:authenticated'] };
const holding: Authorizer & RuleResolver = {
  name: 'fixed',
  authorize: () => ({ decision: 'noOpinion', reason: '' }),
  rulesFor: () => ({ resourceRules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/version'] }], incomplete: false }),
};

test('granting what one holds passes', async () => {
  await confirmNoEscalation(
    holding,
    jane,
    'team',
    [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], nonResourceURLs: ['/version'] },
    ],
    'roles',
    'r',
  );
});

test("granting more is a 403 naming the missing rules in Kubernetes' words", async () => {
  const err = await confirmNoEscalation(holding, jane, 'team', [{ verbs: ['get', 'delete'], apiGroups: ['', 'apps'], resources: ['pods'] }], 'roles', 'r').then(
    () => assert.fail('allowed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError);
  assert.equal(err.code, 403);
  assert.equal(
    err.message,
    'roles.rbac.authorization.k8s.io "r" is forbidden: user "jane" (groups=["devs" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' + '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:["apps"], Resources:["pods"], Verbs:["get" "delete"]}',
  );
});
