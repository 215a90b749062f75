// The storage sidecars' identity under the real authorizer chain (Node authorizer, NodeRestriction,
// RBAC): a node cannot create PVs itself; it gets a token for kube-system/gifee-storage-sidecars
// bound to its own Node only; and with that token the sidecars provision, expand and delete.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startInProcessApi } from '../../test/helpers/in-process-api.js';
import { MemoryCsiDriver, MemoryCsiRegistry } from '../../test/helpers/memory-csi-driver.js';
import { until } from '../../test/helpers/wait.js';
import { playProtectionControllers } from '../../test/helpers/storage-sidecars.js';
import { authorizerOf } from '../cli/authorizer.js';
import { issueNodeClientCert } from '../cli/pki.js';
import { R } from '../client/resources.js';
import { isNotFound, RestClient, StatusError } from '../client/rest.js';
import { logger } from '../util/log.js';
import { startAgentStorageSidecars } from './agent-sidecars.js';
import { ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, ANN_STORAGE_RESIZER, LOCAL_DRIVER } from '../api/storage-names.js';
import { SR } from './resources.js';
import { requestSidecarToken } from './sidecar-identity.js';
import { SNAPSHOT_SIDECAR_RULES } from './snapshot-sidecar-rbac.js';
import { bootstrapClusterRoles } from '../apiserver/authz/rbac/bootstrap-policy.js';
import { uncovered } from '../apiserver/authz/rbac/covers.js';
import { STORAGE_SIDECARS_ROLE } from '../api/auth/storage-sidecars.js';

test("the sidecars' ClusterRole covers what the csi-snapshotter needs", () => {
  const role = bootstrapClusterRoles.find((r) => r.metadata?.name === STORAGE_SIDECARS_ROLE)!;
  assert.deepEqual(uncovered(role.rules ?? [], SNAPSHOT_SIDECAR_RULES), []);
});

test('agents act for their storage sidecars as kube-system/gifee-storage-sidecars, with a token bound to their own Node', async () => {
  const api = await startInProcessApi({ authorizer: authorizerOf('RBAC'), serviceAccounts: true });
  const admin = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  const asNode = async (name: string) => {
    const pair = await issueNodeClientCert(api.pki.ca, name);
    return new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: pair.cert, key: pair.key });
  };
  const n1 = await asNode('n1');
  const n2 = await asNode('n2');
  const registry = new MemoryCsiRegistry();
  const driver = new MemoryCsiDriver({ name: LOCAL_DRIVER, nodeId: 'n1', nodeExpansionRequired: false });
  registry.register(LOCAL_DRIVER, driver);
  let sidecars: { stop(): Promise<void> } | undefined;
  const protection = playProtectionControllers(admin);
  try {
    for (const name of ['n1', 'n2']) await admin.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name } });
    // The node itself may not create PVs (nor read claims it has no pod for).
    await assert.rejects(n1.create(R.persistentvolumes, undefined, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'x' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], csi: { driver: 'd', volumeHandle: 'h' } } }), (e) => e instanceof StatusError && e.code === 403);
    // Its token request must be bound to its own Node.
    const n2uid = (await admin.get(R.nodes, undefined, 'n2')).metadata!.uid;
    await assert.rejects(n1.request('POST', '/api/v1/namespaces/kube-system/serviceaccounts/gifee-storage-sidecars/token', { spec: { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n2', uid: n2uid } } }), (e) => e instanceof StatusError && e.code === 403 && /not bound to its own Node "n1"/.test(e.message));
    await assert.rejects(n1.request('POST', '/api/v1/namespaces/kube-system/serviceaccounts/default/token', { spec: {} }), (e) => e instanceof StatusError && e.code === 403);
    const { token } = await requestSidecarToken(n2, 'n2');
    const sidecarClient = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, token });
    // Capacity objects in kube-system (a Role there), not elsewhere.
    await sidecarClient.list(R.csistoragecapacities, 'kube-system');
    await assert.rejects(sidecarClient.list(R.csistoragecapacities, 'default'), (e) => e instanceof StatusError && e.code === 403);
    await assert.rejects(sidecarClient.list(R.secrets, 'kube-system'), (e) => e instanceof StatusError && e.code === 403);
    sidecarClient.close();
    const who = await new RestClient({ server: api.server.url, ca: api.pki.ca.cert, token }).request<{ status: { userInfo: { username: string; extra?: Record<string, string[]> } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    assert.equal(who.status.userInfo.username, 'system:serviceaccount:kube-system:gifee-storage-sidecars');
    assert.deepEqual(who.status.userInfo.extra?.['authentication.kubernetes.io/node-name'], ['n2']);

    // The sidecars, as that account: provision, expand, delete.
    sidecars = startAgentStorageSidecars({ nodeClient: n1, server: api.server.url, ca: api.pki.ca.cert, nodeName: 'n1', registry, log: logger('sidecars') });
    await admin.create(SR.storageclasses, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' }, provisioner: LOCAL_DRIVER, volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true });
    const claim = await admin.create(R.persistentvolumeclaims, 'default', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', annotations: { [ANN_STORAGE_PROVISIONER]: LOCAL_DRIVER, [ANN_SELECTED_NODE]: 'n1' } },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', resources: { requests: { storage: '1Gi' } } },
    });
    const pvName = `pvc-${claim.metadata!.uid}`;
    const pvExists = async () =>
      admin.get(R.persistentvolumes, undefined, pvName).then(
        () => true,
        (e) => (isNotFound(e) ? false : Promise.reject(e)),
      );
    await until('the PV provisioned by the sidecars', pvExists, { timeoutMs: 30_000 });
    // Bound (as the PV controller would), then expanded (as a user and the expand controller would).
    const cur = await admin.get(R.persistentvolumeclaims, 'default', 'data');
    Object.assign(cur.spec as object, { volumeName: pvName });
    const upd = await admin.update(R.persistentvolumeclaims, cur);
    const bound = await admin.update(R.persistentvolumeclaims, { ...upd, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } }, 'status');
    Object.assign(bound.spec as object, { resources: { requests: { storage: '2Gi' } } });
    bound.metadata!.annotations = { ...bound.metadata!.annotations, [ANN_STORAGE_RESIZER]: LOCAL_DRIVER };
    await admin.update(R.persistentvolumeclaims, bound);
    await until('expanded', async () => ((await admin.get(R.persistentvolumeclaims, 'default', 'data')).status as { capacity?: { storage?: string } }).capacity?.storage === '2Gi', { timeoutMs: 30_000 });
    await admin.delete(R.persistentvolumeclaims, 'default', 'data');
    const pv = await admin.get(R.persistentvolumes, undefined, pvName);
    await admin.update(R.persistentvolumes, { ...pv, status: { phase: 'Released' } }, 'status');
    await until('the PV deleted by the sidecars', async () => !(await pvExists()), { timeoutMs: 30_000 });
    assert.equal(driver.volumes.size, 0);
  } finally {
    await sidecars?.stop();
    protection.stop();
    for (const c of [admin, n1, n2]) c.close();
    await api.stop();
  }
});
