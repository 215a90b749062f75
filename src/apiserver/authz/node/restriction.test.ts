import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../api/kind.js';
import { ApiError } from '../../../api/errors.js';
import type { AdmissionRequest, Operation } from '../../admission/chain.js';
import type { RequestContext } from '../../context.js';
import { csrCommonName } from './csr-subject.js';
import { isForbiddenNodeLabel, nodeRestriction } from './restriction.js';

const n1 = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const plugin = nodeRestriction(csrCommonName);

function req(user: RequestContext['user'], group: string, plural: string, operation: Operation, o: { obj?: object; old?: object; subresource?: string; name?: string; namespace?: string } = {}): AdmissionRequest {
  const rc = { user, def: { group, plural }, info: { name: o.name, namespace: o.namespace }, warnings: [] } as unknown as RequestContext;
  return { rc, operation, obj: o.obj as KObject, old: o.old as KObject, subresource: o.subresource ?? '', dryRun: false };
}

/** The 403 message, or 'ok'; requests the plugin does not handle are 'skipped'. */
async function verdict(a: AdmissionRequest): Promise<string> {
  if (!plugin.handles(a)) return 'skipped';
  try {
    await plugin.validate!(a);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof ApiError && e.code === 403, String(e));
    return e.message;
  }
}

const nodeObj = (name: string, labels: Record<string, string> = {}, taints?: unknown[]) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: taints ? { taints } : {} });
const podObj = (name: string, nodeName: string, annotations: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', annotations }, spec: { nodeName } });

test('labels a node may not set on itself', () => {
  for (const k of ['node-restriction.kubernetes.io/x', 'a.node-restriction.kubernetes.io/x', 'kubernetes.io/role', 'node-role.kubernetes.io/master', 'x.k8s.io/y', 'k8s.io/y']) assert.ok(isForbiddenNodeLabel(k), k);
  for (const k of ['kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'node.kubernetes.io/instance-type', 'kubelet.kubernetes.io/x', 'example.com/team', 'plain']) assert.ok(!isForbiddenNodeLabel(k), k);
});

test('a node changes only its own Node, not its taints nor restricted labels', async () => {
  assert.equal(await verdict(req(n1, '', 'nodes', 'CREATE', { obj: nodeObj('n1', { 'kubernetes.io/hostname': 'n1' }) })), 'ok');
  assert.equal(await verdict(req(n1, '', 'nodes', 'CREATE', { obj: nodeObj('n1', { 'node-restriction.kubernetes.io/trusted': 'yes' }) })), 'nodes "n1" is forbidden: node "n1" is not allowed to set the following labels: node-restriction.kubernetes.io/trusted');
  assert.equal(await verdict(req(n1, '', 'nodes', 'UPDATE', { obj: nodeObj('n2'), old: nodeObj('n2'), name: 'n2' })), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal(await verdict(req(n1, '', 'nodes', 'DELETE', { old: nodeObj('n2'), name: 'n2' })), 'nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
  assert.equal(await verdict(req(n1, '', 'nodes', 'UPDATE', { obj: nodeObj('n1'), old: nodeObj('n1'), subresource: 'status', name: 'n1' })), 'ok');
  assert.equal(await verdict(req(n1, '', 'nodes', 'UPDATE', { obj: nodeObj('n1', { team: 'x' }), old: nodeObj('n1'), name: 'n1' })), 'ok');
  assert.equal(await verdict(req(n1, '', 'nodes', 'UPDATE', { obj: nodeObj('n1', {}), old: nodeObj('n1', { 'node-restriction.kubernetes.io/a': '1' }), name: 'n1' })), 'nodes "n1" is forbidden: node "n1" is not allowed to modify labels: node-restriction.kubernetes.io/a');
  assert.equal(await verdict(req(n1, '', 'nodes', 'UPDATE', { obj: nodeObj('n1', {}, []), old: nodeObj('n1', {}, [{ key: 'k', effect: 'NoSchedule' }]), name: 'n1' })), 'nodes "n1" is forbidden: node "n1" is not allowed to modify taints');
});

test('a node writes only the status of its own pods, and only mirror pods bound to it', async () => {
  assert.equal(await verdict(req(n1, '', 'pods', 'UPDATE', { obj: podObj('p', 'n1'), old: podObj('p', 'n1'), subresource: 'status' })), 'ok');
  assert.equal(await verdict(req(n1, '', 'pods', 'UPDATE', { obj: podObj('p', 'n2'), old: podObj('p', 'n2'), subresource: 'status' })), 'pods "p" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself');
  assert.equal(await verdict(req(n1, '', 'pods', 'CREATE', { obj: podObj('p', 'n1') })), 'pods "p" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods');
  assert.equal(await verdict(req(n1, '', 'pods', 'CREATE', { obj: podObj('p', 'n2', { 'kubernetes.io/config.mirror': 'x' }) })), 'pods "p" is forbidden: node "n1" can only create pods with spec.nodeName set to itself');
  assert.equal(await verdict(req(n1, '', 'pods', 'DELETE', { old: podObj('p', 'n1') })), 'ok');
  assert.equal(await verdict(req(n1, '', 'pods', 'DELETE', { old: podObj('p', 'n2') })), 'pods "p" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
  assert.equal(await verdict(req(n1, '', 'pods', 'UPDATE', { obj: podObj('p', 'n1'), old: podObj('p', 'n1') })), 'pods "p" is forbidden: unexpected operation UPDATE, node "n1" can only create and delete mirror pods');
});

test('a node renews only its own Lease', async () => {
  const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'kube-node-lease' } });
  assert.equal(await verdict(req(n1, 'coordination.k8s.io', 'leases', 'CREATE', { obj: lease('n1'), namespace: 'kube-node-lease' })), 'ok');
  assert.equal(await verdict(req(n1, 'coordination.k8s.io', 'leases', 'CREATE', { obj: lease('n2'), namespace: 'kube-node-lease' })), 'leases.coordination.k8s.io "n2" is forbidden: can only access node lease with the same name as the requesting node');
});

test('a node writes only its own CSINode', async () => {
  const csiNode = (name: string) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name }, spec: { drivers: [] } });
  const forbidden = (name: string) => `csinodes.storage.k8s.io "${name}" is forbidden: can only access CSINode with the same name as the requesting node`;
  assert.equal(await verdict(req(n1, 'storage.k8s.io', 'csinodes', 'CREATE', { obj: csiNode('n1') })), 'ok');
  assert.equal(await verdict(req(n1, 'storage.k8s.io', 'csinodes', 'CREATE', { obj: csiNode('n2') })), forbidden('n2'));
  assert.equal(await verdict(req(n1, 'storage.k8s.io', 'csinodes', 'UPDATE', { obj: csiNode('n1'), old: csiNode('n1'), name: 'n1' })), 'ok');
  assert.equal(await verdict(req(n1, 'storage.k8s.io', 'csinodes', 'UPDATE', { obj: csiNode('n2'), old: csiNode('n2'), name: 'n2' })), forbidden('n2'));
  assert.equal(await verdict(req(n1, 'storage.k8s.io', 'csinodes', 'DELETE', { old: csiNode('n2'), name: 'n2' })), forbidden('n2'));
  assert.equal(await verdict(req(n1, 'storage.k8s.io', 'csinodes', 'DELETE', { old: csiNode('n1'), name: 'n1' })), 'ok');
  // Users other than nodes are RBAC's business only.
  assert.equal(await verdict(req({ name: 'alice', groups: ['system:authenticated'] }, 'storage.k8s.io', 'csinodes', 'CREATE', { obj: csiNode('n2') })), 'skipped');
});

test('a node requests a kubelet client certificate only for its own name', async () => {
  const { webcrypto } = await import('node:crypto');
  await import('reflect-metadata');
  const x = await import('@peculiar/x509');
  x.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const csr = async (cn: string) => Buffer.from((await x.Pkcs10CertificateRequestGenerator.create({ name: `O=system:nodes, CN=${cn}`, keys, signingAlgorithm: alg })).toString('pem')).toString('base64');
  const obj = async (cn: string, signerName = 'kubernetes.io/kube-apiserver-client-kubelet') => ({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'c' }, spec: { signerName, request: await csr(cn) } });
  const create = async (o: object) => verdict(req(n1, 'certificates.k8s.io', 'certificatesigningrequests', 'CREATE', { obj: o }));
  assert.equal(await create(await obj('system:node:n1')), 'ok');
  assert.equal(await create(await obj('system:node:n2')), 'certificatesigningrequests.certificates.k8s.io "c" is forbidden: can only create a node CSR with CN=system:node:n1');
  assert.equal(await create(await obj('system:node:n2', 'kubernetes.io/kube-apiserver-client')), 'ok');
  assert.match(await create({ metadata: { name: 'c' }, spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', request: Buffer.from('junk').toString('base64') } }), /unable to parse csr/);
});

test('other users and other kinds are not looked at', async () => {
  assert.equal(await verdict(req({ name: 'jane', groups: [] }, '', 'nodes', 'DELETE', { old: nodeObj('n2'), name: 'n2' })), 'skipped');
  assert.equal(await verdict(req(n1, 'apps', 'deployments', 'CREATE', { obj: {} })), 'skipped');
  assert.equal(await verdict(req({ name: 'system:node:', groups: ['system:nodes'] }, '', 'nodes', 'UPDATE', { obj: nodeObj('x'), old: nodeObj('x') })), 'nodes "x" is forbidden: could not determine node from user "system:node:"');
});

test('a node requests service account tokens only bound to its own pods', async () => {
  const pods: Record<string, object> = { mine: { metadata: { name: 'mine', uid: 'u1' }, spec: { nodeName: 'n1' } }, theirs: { metadata: { name: 'theirs', uid: 'u2' }, spec: { nodeName: 'n2' } } };
  const api = {
    registry: { byResource: () => ({ plural: 'pods' }) },
    objects: () => ({
      mustGet: async (_ns: string, name: string) => {
        if (!pods[name]) throw new ApiError(404, 'NotFound', `pods "${name}" not found`);
        return { obj: pods[name] };
      },
    }),
  };
  const token = async (boundObjectRef?: object) => {
    const a = req(n1, '', 'serviceaccounts', 'CREATE', { obj: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { boundObjectRef } }, subresource: 'token', namespace: 'ns', name: 'default' });
    (a.rc as unknown as { api: unknown }).api = api;
    return verdict(a);
  };
  assert.equal(await token({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'u1' }), 'ok');
  assert.equal(await token(), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
  assert.equal(await token({ apiVersion: 'v1', kind: 'Pod', name: 'mine' }), 'serviceaccounts "default" is forbidden: node requested token with a pod binding without a uid');
  assert.equal(await token({ apiVersion: 'v1', kind: 'Pod', name: 'mine', uid: 'old' }), 'serviceaccounts "default" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated');
  assert.equal(await token({ apiVersion: 'v1', kind: 'Pod', name: 'theirs', uid: 'u2' }), 'serviceaccounts "default" is forbidden: node requested token bound to a pod scheduled on a different node');
});

test('a node writes only status.capacity and the conditions of a claim (node expansion)', async () => {
  const pvc = (capacity: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'ns', labels, resourceVersion: '5' },
    spec: { volumeName: 'pv' },
    status: { phase: 'Bound', capacity: { storage: capacity }, ...extra },
  });
  const update = (obj: object, old: object, subresource = 'status', operation: Operation = 'UPDATE') => verdict(req(n1, '', 'persistentvolumeclaims', operation, { obj, old, subresource, name: 'data', namespace: 'ns' }));
  const pending = { conditions: [{ type: 'FileSystemResizePending', status: 'True' }] };
  assert.equal(await update({ ...pvc('2Gi'), metadata: { ...pvc('2Gi').metadata, resourceVersion: '6' } }, pvc('1Gi', pending)), 'ok');
  assert.equal(await update(pvc('1Gi', { phase: 'Lost' }), pvc('1Gi')), 'persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.capacity and status.conditions');
  assert.equal(await update(pvc('1Gi', {}, { x: 'y' }), pvc('1Gi')), 'persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.capacity and status.conditions');
  assert.equal(await update(pvc('1Gi'), pvc('1Gi'), 'status', 'DELETE'), 'persistentvolumeclaims "data" is forbidden: unexpected operation DELETE');
  // Writes to the claim itself are not this check's (the authorizer decides them).
  assert.equal(await update(pvc('1Gi'), pvc('1Gi'), ''), 'skipped');
});

test("a node requests the storage sidecars' token only bound to its own Node", async () => {
  const nodes: Record<string, object> = { n1: { metadata: { name: 'n1', uid: 'nu1' } }, n2: { metadata: { name: 'n2', uid: 'nu2' } } };
  const api = {
    registry: { byResource: () => ({ plural: 'nodes' }) },
    objects: () => ({
      mustGet: async (_ns: string | undefined, name: string) => {
        if (!nodes[name]) throw new ApiError(404, 'NotFound', `nodes "${name}" not found`);
        return { obj: nodes[name] };
      },
    }),
  };
  const token = async (boundObjectRef?: object, name = 'gifee-storage-sidecars') => {
    const a = req(n1, '', 'serviceaccounts', 'CREATE', { obj: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { boundObjectRef } }, subresource: 'token', namespace: 'kube-system', name });
    (a.rc as unknown as { api: unknown }).api = api;
    return verdict(a);
  };
  assert.equal(await token({ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'nu1' }), 'ok');
  assert.equal(await token(), 'serviceaccounts "gifee-storage-sidecars" is forbidden: node requested a storage sidecar token not bound to its own Node "n1"');
  assert.equal(await token({ apiVersion: 'v1', kind: 'Node', name: 'n2', uid: 'nu2' }), 'serviceaccounts "gifee-storage-sidecars" is forbidden: node requested a storage sidecar token not bound to its own Node "n1"');
  assert.equal(await token({ apiVersion: 'v1', kind: 'Node', name: 'n1' }), 'serviceaccounts "gifee-storage-sidecars" is forbidden: node requested token with a node binding without a uid');
  assert.equal(await token({ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'old' }), 'serviceaccounts "gifee-storage-sidecars" is forbidden: the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated');
  // Node-bound tokens for any other account stay refused.
  assert.equal(await token({ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'nu1' }, 'default'), 'serviceaccounts "default" is forbidden: node requested token not bound to a pod');
});
