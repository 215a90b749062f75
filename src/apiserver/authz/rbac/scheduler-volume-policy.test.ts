// The scheduler's volume plugins read storage objects and write volume bindings under the identity
// system:kube-scheduler: the bootstrap roles (Kubernetes' system:kube-scheduler and
// system:volume-scheduler) must allow exactly what they do.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../api/kind.js';
import type { Attributes } from '../types.js';
import { RbacAuthorizer } from './authorizer.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { PolicyIndex } from './policy-index.js';

function authorizer() {
  const idx = new PolicyIndex();
  for (const r of bootstrapClusterRoles) idx.put('ClusterRole', r as unknown as KObject);
  for (const b of bootstrapClusterRoleBindings) idx.put('ClusterRoleBinding', b as unknown as KObject);
  return new RbacAuthorizer(idx);
}

const scheduler = { name: 'system:kube-scheduler', groups: ['system:authenticated'] };
const req = (verb: string, apiGroup: string, resource: string, namespace?: string): Attributes => ({ user: scheduler, verb, resourceRequest: true, apiGroup, resource, namespace });

test('system:kube-scheduler may watch the storage objects and update volumes and claims', () => {
  const authz = authorizer();
  const allowed: Attributes[] = [];
  for (const verb of ['list', 'watch', 'get']) {
    allowed.push(req(verb, '', 'persistentvolumes'), req(verb, '', 'persistentvolumeclaims'));
    for (const r of ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities']) allowed.push(req(verb, 'storage.k8s.io', r));
  }
  allowed.push(req('update', '', 'persistentvolumes'), req('update', '', 'persistentvolumeclaims', 'default'), req('patch', '', 'persistentvolumeclaims', 'default'));
  for (const a of allowed) assert.equal(authz.authorize(a).decision, 'allow', `${a.verb} ${a.resource}`);
  // Nothing more: it never creates or deletes volumes, nor changes classes.
  for (const a of [req('create', '', 'persistentvolumes'), req('delete', '', 'persistentvolumeclaims', 'default'), req('update', 'storage.k8s.io', 'storageclasses'), { ...req('update', '', 'persistentvolumeclaims', 'default'), subresource: 'status' }]) {
    assert.notEqual(authz.authorize(a).decision, 'allow', `${a.verb} ${a.resource}`);
  }
});
