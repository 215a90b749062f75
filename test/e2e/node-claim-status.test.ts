// Node expansion's one write, through a real API server: a node (its certificate from the cluster
// PKI) may update the status of a claim its pods use, only status.capacity and the conditions
// (Node authorizer + NodeRestriction, as Kubernetes); not the phase, not another claim, not the
// claim itself. No agent needed: the pod is bound to the node by spec.nodeName. Then the agent's
// node expansion itself, under the node's identity, against an in-test CSI driver: NodeExpandVolume,
// the claim's capacity and conditions, the kubelet's events.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventRecorder } from '../../src/client/events.js';
import { podMountPath, podVolumeDataFile } from '../../src/csi/paths.js';
import type { CsiDriver, CsiRegistry, NodeService } from '../../src/csi/types.js';
import { startNodeVolumeExtras } from '../../src/agent/volumes/node-volume-extras.js';
import type { Pod } from '../../src/agent/pods/types.js';
import type { Logger } from '../../src/util/log.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { issueNodeClientCert } from '../../src/cli/pki.js';
import { RestClient, StatusError } from '../../src/client/rest.js';
import { R } from '../../src/client/resources.js';

let c: Cluster;
let n1: RestClient;
const NODE = 'n1';

/** The PV controller binds the pre-bound pair first (its capacity write must not overwrite the resize state set after it). */
async function boundByController(name: string) {
  for (let i = 0; i < 120; i++) {
    const got = (await c.kubectl(['get', 'pvc', name, '-o', 'jsonpath={.status.phase}/{.status.capacity.storage}'], { allowFail: true })).stdout;
    if (/^Bound\/\S+$/.test(got)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`claim ${name} was not bound by the PV controller`);
}
const apply = (o: object) => c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(o) });
const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, volumeName: `pv-${name}`, storageClassName: '' } });
const volume = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${name}` }, spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` }, claimRef: { namespace: 'default', name }, storageClassName: '' } });

before(async () => {
  c = await startCluster();
  const ca = { cert: await readFile(join(c.dataDir, 'pki', 'ca.crt'), 'utf8'), key: await readFile(join(c.dataDir, 'pki', 'ca.key'), 'utf8') };
  n1 = new RestClient({ server: c.url, ca: ca.cert, ...(await issueNodeClientCert(ca, NODE)), userAgent: 'node-claim-status-test' });
  for (const n of ['data', 'other']) {
    await apply(volume(n));
    await apply(claim(n));
  }
  await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } });
  // A resize waiting for the node, as the resizer leaves it.
  await boundByController('data');
  await c.kubectl(['patch', 'pvc', 'data', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Bound', capacity: { storage: '1Gi' }, conditions: [{ type: 'FileSystemResizePending', status: 'True' }] } })]);
});

after(async () => {
  n1?.close();
  if (c) await c.stop();
});

const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'allowed',
    (e) => (e instanceof StatusError ? `${e.code} ${e.message}` : Promise.reject(e)),
  );

test('a node finishes a resize on the claim its pod uses, and writes nothing else of claims', async () => {
  // The node authorizer learns of the pod from its watch: allow it a moment.
  let done = 'not tried';
  for (let i = 0; i < 40 && done !== 'allowed'; i++) {
    done = await refusal(n1.patch(R.persistentvolumeclaims, 'default', 'data', { status: { capacity: { storage: '2Gi' }, conditions: [] } }, 'merge', 'status'));
    if (done !== 'allowed') await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(done, 'allowed');
  const pvc = (await c.kubectl(['get', 'pvc', 'data', '-o', 'jsonpath={.status.capacity.storage}/{.status.conditions}'])).stdout;
  assert.match(pvc, /^2Gi\/(?:\[\])?$/);
  assert.equal(await refusal(n1.patch(R.persistentvolumeclaims, 'default', 'data', { status: { phase: 'Lost' } }, 'merge', 'status')), '403 persistentvolumeclaims "data" is forbidden: node "n1" is not allowed to update fields other than status.capacity and status.conditions');
  assert.match(await refusal(n1.patch(R.persistentvolumeclaims, 'default', 'other', { status: { capacity: { storage: '2Gi' } } }, 'merge', 'status')), /^403 .*no relationship found between node 'n1' and this object/);
  assert.match(await refusal(n1.patch(R.persistentvolumeclaims, 'default', 'data', { metadata: { labels: { mine: 'yes' } } })), /^403 /);
});

test('the agent’s node expansion, as the node: NodeExpandVolume, then the claim’s capacity and the kubelet’s events', async () => {
  const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
  const dir = await mkdtemp(join(tmpdir(), 'gifee-node-expand-'));
  const calls: { volumeId: string; volumePath: string; requiredBytes?: number }[] = [];
  const node = {
    nodeGetCapabilities: async () => ({ capabilities: [{ rpc: { type: 'EXPAND_VOLUME' } }] }),
    nodeExpandVolume: async (r: Parameters<NodeService['nodeExpandVolume']>[0]) => {
      calls.push({ volumeId: r.volumeId, volumePath: r.volumePath, requiredBytes: r.capacityRange?.requiredBytes });
      return { capacityBytes: r.capacityRange?.requiredBytes ?? 0 };
    },
  } as unknown as NodeService;
  const driver: CsiDriver = { getPluginInfo: async () => ({ name: 'test.csi' }), getPluginCapabilities: async () => ({ capabilities: [] }), probe: async () => ({}), node };
  const csi: CsiRegistry = { get: (n) => (n === 'test.csi' ? driver : undefined), names: () => ['test.csi'], onChange() {} };
  const recorder = new EventRecorder(n1, 'kubelet', quiet, NODE);
  let extras: { stop(): void } | undefined;
  try {
    // A second claim, used by the pod, whose volume the resizer grew to 3Gi.
    await apply({ ...volume('grown'), spec: { ...volume('grown').spec, capacity: { storage: '3Gi' } } });
    await apply(claim('grown'));
    await apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'grower', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'g', persistentVolumeClaim: { claimName: 'grown' } }] } });
    await boundByController('grown');
    await c.kubectl(['patch', 'pvc', 'grown', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Bound', capacity: { storage: '2Gi' }, conditions: [{ type: 'FileSystemResizePending', status: 'True' }] } })]);
    const pod = JSON.parse((await c.kubectl(['get', 'pod', 'grower', '-o', 'json'])).stdout) as Pod;
    const podDir = join(dir, 'pods', pod.metadata.uid);
    const targetPath = podMountPath(podDir, 'pv-grown');
    await mkdir(targetPath, { recursive: true });
    await writeFile(podVolumeDataFile(podDir, 'pv-grown'), JSON.stringify({ driverName: 'test.csi', volumeHandle: 'handle-grown', pvName: 'pv-grown', specVolumeName: 'g', namespace: 'default', claimName: 'grown', volumeMode: 'Filesystem', targetPath }));
    extras = startNodeVolumeExtras({ nodeName: NODE, client: n1, recorder, csi, pods: () => [{ uid: pod.metadata.uid, dir: podDir, pod, volumePath: () => undefined }], log: quiet });
    let got = '';
    for (let i = 0; i < 120 && got !== '3Gi/[]' && got !== '3Gi/'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      got = (await c.kubectl(['get', 'pvc', 'grown', '-o', 'jsonpath={.status.capacity.storage}/{.status.conditions}'])).stdout;
    }
    assert.match(got, /^3Gi\/(?:\[\])?$/);
    assert.deepEqual(calls, [{ volumeId: 'handle-grown', volumePath: targetPath, requiredBytes: 3 * 1024 ** 3 }]);
    let events = '';
    for (let i = 0; i < 40 && (events.match(/FileSystemResizeSuccessful/g) ?? []).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 250));
      events = (await c.kubectl(['get', 'events', '-o', 'jsonpath={range .items[*]}{.involvedObject.kind} {.reason} {.message}{"\\n"}{end}'])).stdout;
    }
    assert.match(events, new RegExp(`^Pod FileSystemResizeSuccessful MountVolume.NodeExpandVolume succeeded for volume "pv-grown" ${NODE}$`, 'm'));
    assert.match(events, new RegExp(`^PersistentVolumeClaim FileSystemResizeSuccessful MountVolume.NodeExpandVolume succeeded for volume "pv-grown" ${NODE}$`, 'm'));
  } finally {
    extras?.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
