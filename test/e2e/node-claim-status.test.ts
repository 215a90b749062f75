// Node expansion's one write, through a real API server: a node (its certificate from the cluster
// PKI) may update the status of a claim its pods use, only status.capacity and the conditions
// (Node authorizer + NodeRestriction, as Kubernetes); not the phase, not another claim, not the
// claim itself. No agent needed: the pod is bound to the node by spec.nodeName.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { issueNodeClientCert } from '../../src/cli/pki.js';
import { RestClient, StatusError } from '../../src/client/rest.js';
import { R } from '../../src/client/resources.js';

let c: Cluster;
let n1: RestClient;
const NODE = 'n1';

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
