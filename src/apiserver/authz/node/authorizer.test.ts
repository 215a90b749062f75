import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../api/kind.js';
import type { Attributes } from '../types.js';
import { NodeAuthorizer, nodeIdentity } from './authorizer.js';
import { NodeGraph } from './graph.js';

const node = (name: string) => ({ name: `system:node:${name}`, groups: ['system:nodes', 'system:authenticated'] });
const get = (user: Attributes['user'], resource: string, namespace: string | undefined, name: string, extra: Partial<Attributes> = {}): Attributes => ({ user, verb: 'get', resourceRequest: true, apiGroup: '', resource, namespace, name, ...extra });

const pod = (name: string, nodeName: string | undefined, spec: Record<string, unknown> = {}): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec: { nodeName, containers: [{ name: 'c' }], ...spec } }) as KObject;

function graph() {
  const g = new NodeGraph();
  g.setPod(
    pod('a1', 'a', {
      serviceAccountName: 'sa-a',
      imagePullSecrets: [{ name: 'pull' }],
      containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'env-cm' } }], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'env-secret', key: 'k' } } }] }],
      volumes: [
        { name: 'v', secret: { secretName: 'vol-secret' } },
        { name: 'p', projected: { sources: [{ configMap: { name: 'proj-cm' } }] } },
        { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
      ],
    }),
  );
  g.setPod(pod('b1', 'b', { volumes: [{ name: 'v', secret: { secretName: 'b-secret' } }] }));
  g.setPod(pod('unbound', undefined, { volumes: [{ name: 'v', secret: { secretName: 'nobodys' } }] }));
  g.setPvc({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns' }, spec: { volumeName: 'pv-data' } } as KObject);
  return g;
}

test('node identity: system:node:NAME in system:nodes only', () => {
  assert.equal(nodeIdentity(node('a')), 'a');
  assert.equal(nodeIdentity({ name: 'system:node:a', groups: [] }), undefined);
  assert.equal(nodeIdentity({ name: 'jane', groups: ['system:nodes'] }), undefined);
  assert.equal(nodeIdentity({ name: 'system:node:', groups: ['system:nodes'] }), '');
});

test("a node reads what its own pods reference, and nothing of other nodes' pods", () => {
  const g = graph();
  const authz = new NodeAuthorizer(g);
  const a = node('a');
  const table: [Attributes, string, string?][] = [
    [get(a, 'secrets', 'ns', 'vol-secret'), 'allow'],
    [get(a, 'secrets', 'ns', 'env-secret'), 'allow'],
    [get(a, 'secrets', 'ns', 'pull'), 'allow'],
    [get(a, 'configmaps', 'ns', 'env-cm'), 'allow'],
    [get(a, 'configmaps', 'ns', 'proj-cm'), 'allow'],
    [get(a, 'persistentvolumeclaims', 'ns', 'data'), 'allow'],
    [get(a, 'persistentvolumes', undefined, 'pv-data'), 'allow'],
    [get(a, 'serviceaccounts', 'ns', 'sa-a', { verb: 'create', subresource: 'token' }), 'allow'],
    // Node B's pod's Secret, a Secret of an unbound pod, the same name in another namespace.
    [get(a, 'secrets', 'ns', 'b-secret'), 'noOpinion', "no relationship found between node 'a' and this object"],
    [get(a, 'secrets', 'ns', 'nobodys'), 'noOpinion'],
    [get(a, 'secrets', 'other', 'vol-secret'), 'noOpinion'],
    // Lists of secrets (all of them), writes, unnamed reads.
    [get(a, 'secrets', 'ns', '', { verb: 'list', name: undefined }), 'noOpinion', 'No Object name found'],
    [get(a, 'secrets', 'ns', 'vol-secret', { verb: 'update' }), 'noOpinion', 'can only read resources of this type'],
    [get(a, 'persistentvolumeclaims', 'ns', 'data', { verb: 'list' }), 'noOpinion', 'can only get individual resources of this type'],
    // Node expansion: the status of a claim its pods use, written with update or patch only.
    [get(a, 'persistentvolumeclaims', 'ns', 'data', { verb: 'patch', subresource: 'status' }), 'allow'],
    [get(a, 'persistentvolumeclaims', 'ns', 'data', { verb: 'update', subresource: 'status' }), 'allow'],
    [get(a, 'persistentvolumeclaims', 'ns', 'data', { verb: 'get', subresource: 'status' }), 'noOpinion', 'can only get/update/patch this type'],
    [get(a, 'persistentvolumeclaims', 'ns', 'other', { verb: 'patch', subresource: 'status' }), 'noOpinion', "no relationship found between node 'a' and this object"],
    [get(a, 'persistentvolumeclaims', 'ns', 'data', { verb: 'patch' }), 'noOpinion', 'can only get individual resources of this type'],
    [get(a, 'serviceaccounts', 'ns', 'sa-a'), 'noOpinion', 'can only create tokens for individual service accounts'],
    [get(a, 'serviceaccounts', 'ns', 'other-sa', { verb: 'create', subresource: 'token' }), 'noOpinion'],
    // gifee: the storage sidecars' account (NodeRestriction binds such tokens to the node's own Node); nothing else of kube-system.
    [get(a, 'serviceaccounts', 'kube-system', 'gifee-storage-sidecars', { verb: 'create', subresource: 'token' }), 'allow'],
    [get(a, 'serviceaccounts', 'kube-system', 'gifee-storage-sidecars'), 'noOpinion'],
    [get(a, 'serviceaccounts', 'kube-system', 'default', { verb: 'create', subresource: 'token' }), 'noOpinion'],
    // Its own Lease only, in kube-node-lease.
    [get(a, 'leases', 'kube-node-lease', 'a', { apiGroup: 'coordination.k8s.io', verb: 'update' }), 'allow'],
    [get(a, 'leases', 'kube-node-lease', 'b', { apiGroup: 'coordination.k8s.io', verb: 'update' }), 'noOpinion', 'can only access node lease with the same name as the requesting node'],
    [get(a, 'leases', 'kube-system', 'a', { apiGroup: 'coordination.k8s.io' }), 'noOpinion'],
    // The system:node rules: node-wide reads, status writes, events; never deleting nodes or writing namespaces.
    [get(a, 'nodes', undefined, 'b'), 'allow'],
    [get(a, 'pods', undefined, '', { verb: 'watch', name: undefined }), 'allow'],
    [get(a, 'pods', 'ns', 'a1', { verb: 'patch', subresource: 'status' }), 'allow'],
    [get(a, 'services', undefined, '', { verb: 'list', name: undefined }), 'allow'],
    [get(a, 'endpointslices', undefined, '', { verb: 'watch', name: undefined, apiGroup: 'discovery.k8s.io' }), 'allow'],
    [get(a, 'events', 'ns', '', { verb: 'create', name: undefined }), 'allow'],
    [get(a, 'nodes', undefined, 'b', { verb: 'delete' }), 'noOpinion'],
    [get(a, 'namespaces', undefined, 'ns', { verb: 'delete' }), 'noOpinion'],
    // NetworkPolicy enforcement: policies and namespaces' labels, read-only.
    [get(a, 'networkpolicies', undefined, '', { verb: 'watch', name: undefined, apiGroup: 'networking.k8s.io' }), 'allow'],
    [get(a, 'networkpolicies', 'ns', '', { verb: 'list', name: undefined, apiGroup: 'networking.k8s.io' }), 'allow'],
    [get(a, 'networkpolicies', 'ns', 'np', { verb: 'delete', apiGroup: 'networking.k8s.io' }), 'noOpinion'],
    [get(a, 'namespaces', undefined, '', { verb: 'watch', name: undefined }), 'allow'],
    [get(a, 'namespaces', undefined, 'ns', { verb: 'update' }), 'noOpinion'],
    [get(a, 'deployments', 'ns', 'x', { apiGroup: 'apps' }), 'noOpinion'],
    [{ user: a, verb: 'get', resourceRequest: false, path: '/metrics' }, 'noOpinion'],
  ];
  for (const [attrs, want, reason] of table) {
    const r = authz.authorize(attrs);
    assert.equal(r.decision, want, `${attrs.verb} ${attrs.resource}/${attrs.subresource ?? ''} ${attrs.namespace}/${attrs.name}`);
    if (reason) assert.equal(r.reason, reason);
  }
  // Node B reads its own pod's Secret, not node A's.
  assert.equal(authz.authorize(get(node('b'), 'secrets', 'ns', 'b-secret')).decision, 'allow');
  assert.equal(authz.authorize(get(node('b'), 'secrets', 'ns', 'vol-secret')).decision, 'noOpinion');
});

test('no opinion for users who are not nodes; a node user without a name is unknown', () => {
  const authz = new NodeAuthorizer(graph());
  assert.deepEqual(authz.authorize(get({ name: 'jane', groups: ['system:authenticated'] }, 'secrets', 'ns', 'vol-secret')), { decision: 'noOpinion', reason: '' });
  assert.equal(authz.authorize(get({ name: 'system:node:', groups: ['system:nodes'] }, 'nodes', undefined, 'a')).reason, 'unknown node for user "system:node:"');
});

test('the graph follows pods moving, leaving, and claims rebinding; counts shared references', () => {
  const g = graph();
  const authz = new NodeAuthorizer(g);
  const a = node('a');
  // A second pod on A with the same Secret: deleting one keeps the access.
  g.setPod(pod('a2', 'a', { volumes: [{ name: 'v', secret: { secretName: 'vol-secret' } }] }));
  g.removePod(pod('a1', 'a'));
  assert.equal(authz.authorize(get(a, 'secrets', 'ns', 'vol-secret')).decision, 'allow');
  assert.equal(authz.authorize(get(a, 'secrets', 'ns', 'env-secret')).decision, 'noOpinion');
  g.removePod(pod('a2', 'a'));
  assert.equal(authz.authorize(get(a, 'secrets', 'ns', 'vol-secret')).decision, 'noOpinion');
  assert.deepEqual(g.size(), { pods: 1, nodes: 1, claims: 1 });
  // A pod rebound (recreated) on another node moves its references.
  g.setPod(
    pod('b1', 'a', {
      volumes: [
        { name: 'v', secret: { secretName: 'b-secret' } },
        { name: 'd', persistentVolumeClaim: { claimName: 'data' } },
      ],
    }),
  );
  assert.equal(authz.authorize(get(node('b'), 'secrets', 'ns', 'b-secret')).decision, 'noOpinion');
  assert.equal(authz.authorize(get(a, 'secrets', 'ns', 'b-secret')).decision, 'allow');
  // The claim's PV follows its binding.
  g.setPvc({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'ns' }, spec: { volumeName: 'pv-new' } } as KObject);
  assert.equal(authz.authorize(get(a, 'persistentvolumes', undefined, 'pv-data')).decision, 'noOpinion');
  assert.equal(authz.authorize(get(a, 'persistentvolumes', undefined, 'pv-new')).decision, 'allow');
});

test('hostile pod specs are skipped, not thrown on', () => {
  const g = new NodeGraph();
  const specs = [null, 'x', { nodeName: 'a', volumes: 'nope', containers: [null, 1, { env: [{ valueFrom: 7 }] }] }, { nodeName: 5 }];
  for (const [i, spec] of specs.entries()) g.setPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'ns' }, spec } as unknown as KObject);
  assert.equal(g.size().pods, 1);
});

test("a node's rules are not listed (incomplete, as Kubernetes says); others' are nobody's business here", () => {
  const authz = new NodeAuthorizer(new NodeGraph());
  assert.deepEqual(authz.rulesFor(node('a')), { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
  assert.equal(authz.rulesFor({ name: 'jane', groups: [] }).incomplete, false);
});
