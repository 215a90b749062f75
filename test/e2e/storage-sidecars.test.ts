// The agent's built-in CSI sidecars on a real cluster with a real agent and gifee's own driver over
// gRPC: a claim handed to local.csi.gifee.dev and selected for the node (the test plays the
// scheduler; no pod uses it) is provisioned by the agent as kube-system/gifee-storage-sidecars
// (a token bound to its Node), with the PV as external-provisioner writes it and the volume's image
// on disk; the PV controller binds it, and once the claim goes (reclaim Delete) the volume and its PV go.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs root for the node agent and loop devices' : false;

let c: Cluster;
const jp = async (what: string, path: string) => (await c.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) =>
  waitUntil(what, fn, {
    timeoutMs: ms,
    context: async () =>
      `${(await c.kubectl(['get', 'pvc,pv', '-o', 'wide'], { allowFail: true })).stdout}\n${(await c.kubectl(['get', 'events', '--sort-by=.lastTimestamp'], { allowFail: true })).stdout.split('\n').slice(-15).join('\n')}\n${c
        .logs()
        .split('\n')
        .filter((l) => /sidecar|storage/.test(l))
        .slice(-15)
        .join('\n')}`,
  });

before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true });
  await until('the local driver registered on the node (CSINode)', async () => (await jp('csinodes', '{.items[0].spec.drivers[*].name}')).includes('local.csi.gifee.dev'));
});

after(async () => {
  if (c) await c.stop();
});

test('the agent provisions and deletes a local volume as the storage sidecars’ service account', { skip }, async () => {
  assert.equal(await jp('sa gifee-storage-sidecars -n kube-system', '{.metadata.name}'), 'gifee-storage-sidecars');
  assert.equal((await c.kubectl(['auth', 'can-i', 'create', 'persistentvolumes', '--as', 'system:serviceaccount:kube-system:gifee-storage-sidecars'], { allowFail: true })).stdout.trim(), 'yes');
  assert.equal((await c.kubectl(['auth', 'can-i', 'get', 'secrets', '--as', 'system:serviceaccount:kube-system:gifee-storage-sidecars'], { allowFail: true })).stdout.trim(), 'no');
  const node = await jp('nodes', '{.items[0].metadata.name}');
  const claim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default', annotations: { 'volume.kubernetes.io/storage-provisioner': 'local.csi.gifee.dev', 'volume.kubernetes.io/selected-node': node } },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local', resources: { requests: { storage: '20Mi' } } },
  };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(claim) });
  const uid = await jp('pvc data', '{.metadata.uid}');
  const pv = `pvc-${uid}`;
  await until('the PV', async () => (await jp(`pv ${pv}`, '{.metadata.name}')) === pv);
  assert.equal(await jp(`pv ${pv}`, '{.spec.csi.driver} {.spec.csi.volumeHandle} {.spec.capacity.storage} {.spec.persistentVolumeReclaimPolicy} {.spec.claimRef.uid}'), `local.csi.gifee.dev ${pv} 20Mi Delete ${uid}`);
  assert.equal(await jp(`pv ${pv}`, `{.metadata.annotations.storage\\.gifee\\.dev/provisioned-on-node} {.metadata.finalizers[*]}`), `${node} external-provisioner.volume.kubernetes.io/finalizer kubernetes.io/pv-protection`);
  assert.equal(await jp(`pv ${pv}`, '{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].key}={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}'), `topology.local.csi.gifee.dev/node=${node}`);
  const image = join(c.dataDir, 'storage', 'local', 'volumes', `${pv}.img`);
  assert.ok(existsSync(image), image);
  const events = (await c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=data', '-o', 'jsonpath={range .items[*]}{.reason}:{.source.component}{"\\n"}{end}'])).stdout;
  assert.match(events, /^ProvisioningSucceeded:gifee-storage-sidecars$/m);

  // The PV controller binds the claim to it; when the claim goes, it marks the volume Released and the agent deletes it.
  await until('the claim Bound', async () => (await jp('pvc data', '{.status.phase}')) === 'Bound');
  await c.kubectl(['delete', 'pvc', 'data', '--wait=false']);
  await until('the PV deleted', async () => (await jp('pv', '{.items[*].metadata.name}')) === '');
  assert.ok(!existsSync(image), 'the image is gone');
});
