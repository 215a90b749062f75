import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { keyOf } from '../../client/indexer.js';
import type { RestClient } from '../../client/rest.js';
import { claimWithSelectedNode, volumeBoundToClaim } from '../plugins/volume-binding.js';
import { makeNode, nodeInfo } from '../test-objects.js';
import { AssumeCache } from './assume-cache.js';
import { VolumeBinder } from './binder.js';
import { podWithClaims, pv, pvc } from './test-objects.js';
import type { Pv, Pvc } from '../../api/storage/types.js';

class Source {
  readonly objects = new Map<string, KObject>();
  get = (k: string) => this.objects.get(k);
  list = () => [...this.objects.values()];
  put(o: KObject) {
    this.objects.set(keyOf(o), o);
  }
}

function setup(timeoutMs = 5000) {
  const pvs = new Source();
  const pvcs = new Source();
  let rv = 1000;
  const writes: KObject[] = [];
  const client = {
    update: async (_r: unknown, obj: KObject) => {
      const o = structuredClone(obj);
      o.metadata!.resourceVersion = String(++rv);
      writes.push(o);
      return o;
    },
  } as unknown as RestClient;
  const node = nodeInfo(makeNode('a'));
  const podGone = { value: false };
  const binder = new VolumeBinder({ client, pvs: new AssumeCache<Pv>(pvs), pvcs: new AssumeCache<Pvc>(pvcs), podExists: () => !podGone.value, node: (n) => (n === 'a' ? node : undefined), timeoutMs });
  return { pvs, pvcs, writes, binder, podGone };
}

const bound = (c: Pvc, volume: string, rv: string): Pvc => ({ ...c, metadata: { ...c.metadata, resourceVersion: rv, annotations: { ...c.metadata?.annotations, 'pv.kubernetes.io/bind-completed': 'yes' } }, spec: { ...c.spec, volumeName: volume }, status: { phase: 'Bound' } });

test('a static binding writes the claimRef and completes when the claim is Bound', async () => {
  const s = setup();
  const claim = pvc('data');
  const vol = pv('v1', { node: 'a' });
  s.pvs.put(vol);
  s.pvcs.put(claim);
  const done = s.binder.bind(podWithClaims('p', ['data']), 'a', [{ pv: volumeBoundToClaim(vol, claim), pvc: claim }], []);
  await new Promise((r) => setImmediate(r));
  assert.equal(s.writes.length, 1);
  assert.deepEqual((s.writes[0] as Pv).spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'uid-data', apiVersion: 'v1', resourceVersion: claim.metadata?.resourceVersion });
  assert.equal(s.binder.pending, 1, 'waiting for the informer and the PV controller');
  s.pvs.put(s.writes[0]);
  s.binder.recheck();
  assert.equal(s.binder.pending, 1);
  s.pvcs.put(bound(claim, 'v1', '2000'));
  s.binder.recheck();
  assert.equal(await done, undefined);
  assert.equal(s.binder.pending, 0);
});

test('a provisioned claim gets selected-node; the provisioner giving up (annotation removed) fails the wait', async () => {
  const s = setup();
  const claim = pvc('data', { cls: 'dyn' });
  s.pvcs.put(claim);
  const done = s.binder.bind(podWithClaims('p', ['data']), 'a', [], [claimWithSelectedNode(claim, 'a')]);
  await new Promise((r) => setImmediate(r));
  const written = s.writes[0] as Pvc;
  assert.equal(written.metadata?.annotations?.['volume.kubernetes.io/selected-node'], 'a');
  s.pvcs.put(written);
  s.binder.recheck();
  assert.equal(s.binder.pending, 1);
  const { 'volume.kubernetes.io/selected-node': _gone, ...rest } = written.metadata!.annotations!;
  s.pvcs.put({ ...written, metadata: { ...written.metadata, resourceVersion: '5000', annotations: rest } });
  s.binder.recheck();
  assert.equal(await done, 'binding volumes: provisioning failed for PVC "data"');
});

test('a provisioned claim bound to a volume on the node completes; the wait times out otherwise; a deleted pod ends it', async () => {
  const s = setup();
  const claim = pvc('data', { cls: 'dyn' });
  s.pvcs.put(claim);
  const done = s.binder.bind(podWithClaims('p', ['data']), 'a', [], [claimWithSelectedNode(claim, 'a')]);
  await new Promise((r) => setImmediate(r));
  const written = s.writes[0] as Pvc;
  s.pvcs.put(bound(written, 'pvc-1', '6000'));
  s.binder.recheck();
  assert.equal(s.binder.pending, 1, 'the PV is not in the informer yet');
  s.pvs.put(pv('pvc-1', { node: 'a', claim }));
  s.binder.recheck();
  assert.equal(await done, undefined);

  const slow = setup(50);
  slow.pvcs.put(claim);
  assert.equal(await slow.binder.bind(podWithClaims('p', ['data']), 'a', [], [claimWithSelectedNode(claim, 'a')]), 'binding volumes: context deadline exceeded');

  const gone = setup();
  gone.pvcs.put(claim);
  const waiting = gone.binder.bind(podWithClaims('p', ['data']), 'a', [], [claimWithSelectedNode(claim, 'a')]);
  await new Promise((r) => setImmediate(r));
  gone.podGone.value = true;
  gone.binder.recheck();
  assert.equal(await waiting, 'binding volumes: pod "p" does not exist any more');
});

test('a failed write is returned at once', async () => {
  const s = setup();
  (s.binder as unknown as { o: { client: unknown } }).o.client = {
    update: async () => {
      throw new Error('Operation cannot be fulfilled on persistentvolumes "v1": the object has been modified');
    },
  };
  const claim = pvc('data');
  const vol = pv('v1');
  assert.match((await s.binder.bind(podWithClaims('p', ['data']), 'a', [{ pv: volumeBoundToClaim(vol, claim), pvc: claim }], [])) ?? '', /the object has been modified/);
});
