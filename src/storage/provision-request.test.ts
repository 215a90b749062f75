// The CreateVolume request and the PV, from a claim and its class (no API server needed), and which
// registered drivers the agent serves.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../api/kind.js';
import type { InformerLike } from '../client/informer.js';
import { MemoryCsiDriver, MemoryCsiRegistry } from '../../test/helpers/memory-csi-driver.js';
import { LABEL_AGENT_SIDECARS, LOCAL_DRIVER } from '../api/storage-names.js';
import { createVolumeRequest, driverParameters, persistentVolumeFor, ProvisioningError, topologyAllowed } from './provision-request.js';
import { bytesQuantity, quantityBytes } from './quantity.js';
import { ServedDrivers } from './served-drivers.js';

const claim = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'ns', uid: 'u1', resourceVersion: '7' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1500Mi' } }, ...spec } });

test('quantities: bytes print as the largest exact binary unit', () => {
  assert.equal(bytesQuantity(1024 ** 3), '1Gi');
  assert.equal(bytesQuantity(1536 * 1024 ** 2), '1536Mi');
  assert.equal(bytesQuantity(1000), '1000');
  assert.equal(quantityBytes('1G'), 1e9);
  assert.equal(quantityBytes('bogus'), undefined);
});

test('the CreateVolume request: capacity, capabilities, parameters without csi.storage.k8s.io/*, topology', () => {
  const sc = { provisioner: LOCAL_DRIVER, parameters: { 'csi.storage.k8s.io/fstype': 'ext4', 'csi.storage.k8s.io/node-stage-secret-name': 'x', tier: 'gold' }, mountOptions: ['ro'] };
  assert.deepEqual(driverParameters(sc), { tier: 'gold' });
  const req = createVolumeRequest(claim({ accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }), sc, { nodeTopology: { segments: { zone: 'a' } } });
  assert.equal(req.name, 'pvc-u1');
  assert.deepEqual(req.capacityRange, { requiredBytes: 1500 * 1024 ** 2 });
  assert.deepEqual(
    req.volumeCapabilities.map((c) => c.accessMode.mode),
    ['SINGLE_NODE_WRITER', 'MULTI_NODE_READER_ONLY'],
  );
  assert.deepEqual(req.volumeCapabilities[0].mount, { fsType: 'ext4', mountFlags: ['ro'] });
  assert.deepEqual(req.accessibilityRequirements, { requisite: [{ segments: { zone: 'a' } }], preferred: [{ segments: { zone: 'a' } }] });
  // ReadWriteOncePod is SINGLE_NODE_SINGLE_WRITER only for drivers that know it.
  assert.equal(createVolumeRequest(claim({ accessModes: ['ReadWriteOncePod'] }), {}, { singleNodeMultiWriter: true }).volumeCapabilities[0].accessMode.mode, 'SINGLE_NODE_SINGLE_WRITER');
  assert.throws(() => createVolumeRequest(claim({ resources: {} }), {}, {}), ProvisioningError);
});

test('allowedTopologies: a node outside them is refused', () => {
  const sc = { allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a', 'b'] }] }] };
  assert.ok(topologyAllowed({ segments: { zone: 'b' } }, sc));
  assert.ok(!topologyAllowed({ segments: { zone: 'c' } }, sc));
  assert.ok(!topologyAllowed(undefined, sc));
  assert.throws(() => createVolumeRequest(claim({}), sc, { nodeTopology: { segments: { zone: 'c' } } }), /allowedTopologies/);
});

test('the PV: capacity from the volume, node affinity from its topology, Block without fsType', () => {
  const pv = persistentVolumeFor(claim({ volumeMode: 'Block' }), 'fast', { parameters: { 'csi.storage.k8s.io/fstype': 'ext4' }, reclaimPolicy: 'Retain' }, 'd.example.com', 'n1', { volumeId: 'v1', capacityBytes: 2 * 1024 ** 3, accessibleTopology: [{ segments: { zone: 'a', rack: '3' } }] });
  const spec = pv.spec as Record<string, any>;
  assert.equal(spec.capacity.storage, '2Gi');
  assert.equal(spec.volumeMode, 'Block');
  assert.equal(spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.deepEqual(spec.csi, { driver: 'd.example.com', volumeHandle: 'v1' });
  assert.deepEqual(spec.claimRef, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'ns', name: 'c', uid: 'u1', resourceVersion: '7' });
  assert.deepEqual(spec.nodeAffinity.required.nodeSelectorTerms, [
    {
      matchExpressions: [
        { key: 'zone', operator: 'In', values: ['a'] },
        { key: 'rack', operator: 'In', values: ['3'] },
      ],
    },
  ]);
});

test('served drivers: gifee’s own and labelled ones, registered here, with CONTROLLER_SERVICE', async () => {
  const csidrivers = new Map<string, KObject>([
    ['labelled.example.com', { metadata: { name: 'labelled.example.com', labels: { [LABEL_AGENT_SIDECARS]: 'true' } } }],
    ['own-sidecars.example.com', { metadata: { name: 'own-sidecars.example.com' } }],
  ]);
  const informer = { get: (k: string) => csidrivers.get(k) } as unknown as InformerLike;
  const registry = new MemoryCsiRegistry();
  for (const name of [LOCAL_DRIVER, 'labelled.example.com', 'own-sidecars.example.com']) registry.register(name, new MemoryCsiDriver({ name, nodeId: 'n' }));
  registry.register('nocontroller.example.com', new MemoryCsiDriver({ name: 'nocontroller.example.com', nodeId: 'n', controllerService: false }));
  csidrivers.set('nocontroller.example.com', { metadata: { name: 'nocontroller.example.com', labels: { [LABEL_AGENT_SIDECARS]: 'true' } } });
  const served = new ServedDrivers(registry, informer);
  assert.equal((await served.get(LOCAL_DRIVER))?.name, LOCAL_DRIVER);
  assert.equal((await served.get('labelled.example.com'))?.name, 'labelled.example.com');
  assert.equal(await served.get('own-sidecars.example.com'), undefined);
  assert.equal(await served.get('nocontroller.example.com'), undefined);
  assert.equal(await served.get('unregistered.example.com'), undefined);
  assert.ok(served.attachRequired('unknown.example.com'));
});

test('a VolumeSnapshot data source on a server without snapshot.storage.k8s.io/v1 is refused clearly', async () => {
  const { contentSource } = await import('./content-source.js');
  const { StatusError } = await import('../client/rest.js');
  const notFound = () => Promise.reject(new StatusError(404, 'NotFound', 'the server could not find the requested resource'));
  const client = { get: notFound, request: notFound } as never;
  const none = { get: () => undefined } as unknown as InformerLike;
  const c = claim({ dataSourceRef: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 's' } });
  await assert.rejects(contentSource(c, LOCAL_DRIVER, { client, claims: none, volumes: none }), (e) => e instanceof ProvisioningError && /does not serve snapshot\.storage\.k8s\.io\/v1/.test(e.message));
  await assert.rejects(contentSource(claim({ dataSourceRef: { apiGroup: 'example.com', kind: 'Thing', name: 't' } }), LOCAL_DRIVER, { client, claims: none, volumes: none }), /unsupported data source example.com\/Thing/);
});
