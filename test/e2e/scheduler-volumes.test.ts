// The scheduler's volume plugins in a real `gifee server` with simulated nodes (Node objects through
// the API): no node runs a provisioner, so the test plays it (creating provisioned volumes, binding
// them as a provisioner and the PV controller would; the real PV controller runs too and agrees). Immediate claims that cannot bind keep pods Pending with Kubernetes' message;
// a WaitForFirstConsumer claim gets volume.kubernetes.io/selected-node and the pod binds once the
// claim is Bound (and is retried when the provisioner gives up); a static local volume with node
// affinity steers its pod; ReadWriteOncePod claims and CSI volume limits are enforced.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';

let cluster: Cluster;

before(async () => {
  // A short bind timeout: a lost binding is retried in seconds, not 10 minutes.
  cluster = await startCluster({ backend: 'sqlite', env: { GIFEE_VOLUME_BIND_TIMEOUT_MS: '30000' } });
});
after(async () => {
  await cluster?.stop();
});

const SELECTED_NODE = 'volume.kubernetes.io/selected-node';

async function call(method: string, path: string, body?: unknown, contentType?: string) {
  const r = await cluster.request(method, path, body, contentType ? { 'Content-Type': contentType } : undefined);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.body}`);
  return r.json;
}
const mergePatch = (path: string, body: unknown) => call('PATCH', path, body, 'application/merge-patch+json');

async function addNode(name: string, labels: Record<string, string>) {
  await call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } });
  const resources = { cpu: '4', memory: '8Gi', pods: '110' };
  await mergePatch(`/api/v1/nodes/${name}/status`, { status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated' }] } });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | '' | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const claimPath = (name: string) => `/api/v1/namespaces/default/persistentvolumeclaims/${name}`;
const getClaim = (name: string) => call('GET', claimPath(name));
const nodeOf = async (pod: string) => (await call('GET', `/api/v1/namespaces/default/pods/${pod}`)).spec?.nodeName ?? '';
const scheduledTo = (pod: string) => waitFor(`${pod} to be scheduled`, () => nodeOf(pod));
const podScheduledMessage = async (pod: string) => {
  const p = await call('GET', `/api/v1/namespaces/default/pods/${pod}`);
  return (p.status?.conditions ?? []).find((c: { type: string }) => c.type === 'PodScheduled')?.message as string | undefined;
};

function storageClass(name: string, provisioner: string, mode: 'Immediate' | 'WaitForFirstConsumer') {
  return call('POST', '/apis/storage.k8s.io/v1/storageclasses', { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, volumeBindingMode: mode });
}

function claim(name: string, cls: string, o: { size?: string; modes?: string[] } = {}) {
  return call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { storageClassName: cls, accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } } },
  });
}

async function volume(name: string, cls: string, o: { size?: string; node?: string; claim?: { name: string; uid: string }; csi?: { driver: string; volumeHandle: string }; modes?: string[] } = {}) {
  await call('POST', '/api/v1/persistentvolumes', {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: o.size ?? '1Gi' },
      accessModes: o.modes ?? ['ReadWriteOnce'],
      storageClassName: cls,
      persistentVolumeReclaimPolicy: 'Retain',
      // A local volume must have node affinity; volumes without one use hostPath.
      ...(o.csi ? { csi: o.csi } : o.node ? { local: { path: `/mnt/disks/${name}` } } : { hostPath: { path: `/mnt/disks/${name}` } }),
      ...(o.node ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.node] }] }] } } } : {}),
      ...(o.claim ? { claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: o.claim.name, uid: o.claim.uid } } : {}),
    },
  });
  // The PV controller's part: a new volume is Available (or Bound when it has a claim).
  await mergePatch(`/api/v1/persistentvolumes/${name}/status`, { status: { phase: o.claim ? 'Bound' : 'Available' } });
}

/** The PV controller's part of binding: the claim names the volume, is marked bind-completed and Bound. */
async function completeBinding(claimName: string, pvName: string) {
  let c: any;
  // The scheduler may annotate the claim meanwhile: retry on conflict, as a controller would.
  for (let attempt = 0; ; attempt++) {
    c = await getClaim(claimName);
    c.spec.volumeName = pvName;
    c.metadata.annotations = { ...(c.metadata.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes' };
    const r = await cluster.request('PUT', claimPath(claimName), c);
    if (r.status === 200) break;
    assert.ok(r.status === 409 && attempt < 5, `binding ${claimName}: ${r.status} ${r.body}`);
  }
  await mergePatch(`${claimPath(claimName)}/status`, { status: { phase: 'Bound', accessModes: c.spec.accessModes, capacity: { storage: c.spec.resources.requests.storage } } });
}

/** A claim already bound to its own volume (created by the test as a binder would leave them). */
async function boundClaim(name: string, cls: string, o: { modes?: string[]; csi?: { driver: string; volumeHandle: string } } = {}) {
  const c = await claim(name, cls, { modes: o.modes });
  await volume(`pv-${name}`, cls, { claim: { name, uid: c.metadata.uid }, csi: o.csi, modes: o.modes });
  await completeBinding(name, `pv-${name}`);
}

function pod(name: string, claims: string[], extra: Record<string, unknown> = {}) {
  return call('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'registry.local/app:1', volumeMounts: claims.map((_, i) => ({ name: `v${i}`, mountPath: `/data${i}` })) }],
      volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
      ...extra,
    },
  });
}

test('nodes and classes', async () => {
  await addNode('n1', { zone: 'a' });
  await addNode('n2', { zone: 'b' });
  await storageClass('immediate', 'example.com/nowhere', 'Immediate');
  await storageClass('wffc', 'example.com/provisioner', 'WaitForFirstConsumer');
  await storageClass('local-static', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer');
  await storageClass('csi', 'csi.example.com', 'Immediate');
  await waitFor('the scheduler to start', async () => /"component":"scheduler","msg":"scheduler started"/.test(cluster.logs()) || undefined);
});

test('a pod with an unbound Immediate claim stays Pending, explained in kubectl describe', async () => {
  await claim('imm', 'immediate');
  await pod('imm-pod', ['imm']);
  // The scheduler's claim cache can lag its pod cache by a moment: a first attempt may report the
  // claim as not found, and the claim's arrival retries the pod. Wait for the settled explanation.
  const expected = /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/2 nodes are available: pod has unbound immediate PersistentVolumeClaims\. preemption: 0\/2 nodes are available: 2 Preemption is not helpful for scheduling\./;
  let last = '';
  await waitFor('the unbound-claim explanation in describe', async () => {
    last = (await cluster.kubectl(['describe', 'pod', 'imm-pod'])).stdout;
    return expected.test(last) || undefined;
  }).catch((e) => {
    throw new Error(`${e.message}; last describe:\n${last}`);
  });
  assert.equal(await nodeOf('imm-pod'), '');
});

test('a pod whose claim does not exist yet is scheduled once the claim appears', async () => {
  await pod('early', ['later']);
  const msg = await waitFor('early to be reported', () => podScheduledMessage('early'));
  assert.match(msg, /^0\/2 nodes are available: persistentvolumeclaim "later" not found\./);
  // The claim's creation is a storage event that moves the pod back to the active queue.
  const c = await claim('later', 'wffc');
  await volume('pv-later', 'wffc', { claim: { name: 'later', uid: c.metadata.uid } });
  await completeBinding('later', 'pv-later');
  assert.ok(await scheduledTo('early'));
});

test('WaitForFirstConsumer: the claim gets the chosen node, a provisioner giving up sends the pod back, and the pod binds once the claim is Bound', async () => {
  const c = await claim('dyn', 'wffc', { size: '2Gi' });
  await pod('dyn-pod', ['dyn']);
  const first = await waitFor('selected-node', async () => (await getClaim('dyn')).metadata.annotations?.[SELECTED_NODE]);
  assert.match(first, /^n[12]$/);
  assert.equal(await nodeOf('dyn-pod'), '', 'the pod waits for its claim');
  // The provisioner cannot provision there: it removes the annotation; the scheduler fails the pod's
  // pre-binding and schedules it again (selecting a node again).
  const cur = await getClaim('dyn');
  delete cur.metadata.annotations[SELECTED_NODE];
  await call('PUT', claimPath('dyn'), cur);
  const events = await waitFor('the failed pre-binding event', async () => {
    const out = (await cluster.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=dyn-pod,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}'])).stdout;
    return /PreBind/.test(out) ? out : undefined;
  });
  assert.match(events, /running PreBind plugin "VolumeBinding": binding volumes: provisioning failed for PVC "dyn"/);
  const node = await waitFor('selected-node again', async () => (await getClaim('dyn')).metadata.annotations?.[SELECTED_NODE], 20_000);
  // Now provision: a volume on the selected node, bound to the claim.
  await volume('pvc-dyn', 'wffc', { size: '2Gi', node, claim: { name: 'dyn', uid: c.metadata.uid } });
  await completeBinding('dyn', 'pvc-dyn');
  assert.equal(await scheduledTo('dyn-pod'), node);
});

test('a static local volume with node affinity steers its pod to that node', async () => {
  await volume('local-n2', 'local-static', { size: '5Gi', node: 'n2' });
  await volume('local-n2-small', 'local-static', { size: '500Mi', node: 'n2' });
  await claim('local-claim', 'local-static', { size: '1Gi' });
  await pod('local-pod', ['local-claim']);
  // The scheduler binds the volume (claimRef with the claim's uid), the PV controller the claim.
  const pv = await waitFor('the claimRef', async () => {
    const v = await call('GET', '/api/v1/persistentvolumes/local-n2');
    return v.spec.claimRef ? v : undefined;
  });
  const c = await getClaim('local-claim');
  assert.deepEqual([pv.spec.claimRef.name, pv.spec.claimRef.uid], ['local-claim', c.metadata.uid]);
  assert.equal(pv.metadata.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal((await call('GET', '/api/v1/persistentvolumes/local-n2-small')).spec.claimRef, undefined, 'too small');
  await completeBinding('local-claim', 'local-n2');
  assert.equal(await scheduledTo('local-pod'), 'n2');
  // A second claim finds no other volume big enough: nothing can be provisioned for this class.
  await claim('local-claim-2', 'local-static', { size: '1Gi' });
  await pod('local-pod-2', ['local-claim-2']);
  // A scheduler whose claim cache has not seen the new claim yet first says it is not found; the
  // claim's arrival sends the pod round again.
  const msg = await waitFor('local-pod-2 to be reported', async () => {
    const m = await podScheduledMessage('local-pod-2');
    return m && !/persistentvolumeclaim "local-claim-2" not found/.test(m) ? m : undefined;
  });
  assert.match(msg, /^0\/2 nodes are available: 2 node\(s\) didn't find available persistent volumes to bind\./);
});

test('ReadWriteOncePod: a second pod using the claim stays Pending', async () => {
  await boundClaim('solo', 'csi', { modes: ['ReadWriteOncePod'], csi: { driver: 'csi.example.com', volumeHandle: 'handle-solo' } });
  await pod('solo-1', ['solo']);
  assert.ok(await scheduledTo('solo-1'));
  await pod('solo-2', ['solo']);
  const msg = await waitFor('solo-2 to be reported', () => podScheduledMessage('solo-2'));
  assert.match(msg, /^0\/2 nodes are available: node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode\./);
  // The holder goes: the other pod gets the claim.
  await call('DELETE', '/api/v1/namespaces/default/pods/solo-1?gracePeriodSeconds=0');
  assert.ok(await scheduledTo('solo-2'));
});

test('CSI volume limits: a node takes no more volumes of a driver than its CSINode allows', async () => {
  for (const n of ['n1', 'n2']) {
    await call('POST', '/apis/storage.k8s.io/v1/csinodes', { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: n }, spec: { drivers: [{ name: 'csi.example.com', nodeID: n, allocatable: { count: 1 } }] } });
  }
  // solo-2 (on one node) already uses one csi.example.com volume.
  const full = await nodeOf('solo-2');
  for (const name of ['lim-1', 'lim-2']) await boundClaim(name, 'csi', { csi: { driver: 'csi.example.com', volumeHandle: `handle-${name}` } });
  await pod('lim-1', ['lim-1']);
  assert.equal(await scheduledTo('lim-1'), full === 'n1' ? 'n2' : 'n1');
  await pod('lim-2', ['lim-2']);
  const msg = await waitFor('lim-2 to be reported', () => podScheduledMessage('lim-2'));
  assert.match(msg, /^0\/2 nodes are available: 2 node\(s\) exceed max volume count\./);
  // A pod sharing an attached volume adds nothing.
  await pod('lim-1-again', ['lim-1']);
  assert.equal(await scheduledTo('lim-1-again'), await nodeOf('lim-1'));
});
