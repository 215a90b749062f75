import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState, type Status } from '../framework.js';
import { info, makeNode, nodeInfo } from '../test-objects.js';
import type { Pod } from '../types.js';
import { AssumeCache } from '../volumes/assume-cache.js';
import { informerListers, staticListers } from '../volumes/informer-listers.js';
import { capacity, csiDriver, podWithClaims, pv, pvc, storageClass } from '../volumes/test-objects.js';
import type { Pv, Pvc } from '../../api/storage/types.js';
import type { VolumeListers } from '../volumes/types.js';
import { ERR_BIND_CONFLICT, ERR_NODE_CONFLICT, ERR_NOT_ENOUGH_SPACE, ERR_PV_NOT_EXIST, ERR_UNBOUND_IMMEDIATE, findPodVolumes, podVolumeClaims, volumeBinding, type PodVolumeClaims } from './volume-binding.js';
import { keyOf } from '../../client/indexer.js';
import type { KObject } from '../../api/kind.js';

const a = nodeInfo(makeNode('a', { labels: { zone: 'z1' } }));
const b = nodeInfo(makeNode('b', { labels: { zone: 'z2' } }));
const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });

const classes = [storageClass('wffc'), storageClass('immediate', { wffc: false, provisioner: 'example.com/csi' }), storageClass('dyn', { provisioner: 'example.com/csi' }), storageClass('zoned', { provisioner: 'example.com/csi', zones: ['z1'] })];

function preFilter(pod: Pod, l: VolumeListers) {
  const state = new CycleState();
  const plugin = volumeBinding({ listers: l });
  return { state, plugin, status: plugin.preFilter!(state, info(pod), { nodes: [a, b], podsWithAffinity: 0, podsWithRequiredAntiAffinity: 0, namespaceLabels: () => undefined }) };
}

test('preFilter: missing, deleting, lost and unbound Immediate claims keep the pod off every node', () => {
  const cases: [string, Pvc[], Status | undefined, Pod?][] = [
    ['missing', [], unresolvable('persistentvolumeclaim "data" not found')],
    ['deleting', [pvc('data', { deleting: true })], unresolvable('persistentvolumeclaim "data" is being deleted')],
    ['lost', [{ ...pvc('data', { volumeName: 'gone' }), status: { phase: 'Lost' } }], unresolvable('persistentvolumeclaim "data" bound to non-existent persistentvolume "gone"')],
    ['immediate class', [pvc('data', { cls: 'immediate' })], unresolvable(ERR_UNBOUND_IMMEDIATE)],
    ['no class', [pvc('data', { cls: null })], unresolvable(ERR_UNBOUND_IMMEDIATE)],
    ['unknown class', [pvc('data', { cls: 'nope' })], unresolvable(ERR_UNBOUND_IMMEDIATE)],
    ['pre-bound WFFC claim', [pvc('data', { volumeName: 'pv1' })], unresolvable(ERR_UNBOUND_IMMEDIATE)],
    ['bound', [pvc('data', { volumeName: 'pv1', bound: true })], undefined],
    ['unbound WFFC', [pvc('data')], undefined],
    ['ephemeral not created yet', [], unresolvable('waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch"'), podWithClaims('p', [], { ephemeral: ['scratch'] })],
    ['ephemeral claim of someone else', [pvc('p-scratch', { owner: 'other' })], unresolvable('PVC default/p-scratch was not created for pod default/p (pod is not owner)'), podWithClaims('p', [], { ephemeral: ['scratch'] })],
  ];
  for (const [name, pvcs, want, pod] of cases) {
    const p = pod ?? podWithClaims('p', ['data']);
    if (name === 'ephemeral not created yet') {
      const ok = preFilter({ ...p, metadata: { ...p.metadata, uid: 'me' } }, staticListers({ pvcs: [pvc('p-scratch', { owner: 'me' })], classes }));
      assert.equal(ok.status, undefined, 'an owned ephemeral claim is fine');
    }
    assert.deepEqual(preFilter(p, staticListers({ pvcs, classes })).status, want, name);
  }
  assert.equal(preFilter(podWithClaims('p', []), staticListers({})).status, undefined, 'no claims: skipped');
});

function filter(pod: Pod, l: VolumeListers, node = a) {
  const claims = podVolumeClaims(pod, l) as PodVolumeClaims;
  return findPodVolumes(claims, node, l);
}

test('filter: a bound claim goes where its volume is reachable', () => {
  const claim = pvc('data', { volumeName: 'pv1', bound: true });
  const l = staticListers({ pvcs: [claim], pvs: [pv('pv1', { node: 'a', claim })], classes });
  const pod = podWithClaims('p', ['data']);
  assert.deepEqual(filter(pod, l, a).reasons, []);
  assert.deepEqual(filter(pod, l, b).reasons, [ERR_NODE_CONFLICT]);
  const missing = staticListers({ pvcs: [claim], classes });
  assert.deepEqual(filter(pod, missing, a).reasons, [ERR_PV_NOT_EXIST]);
});

test('filter: WaitForFirstConsumer claims take the smallest matching Available volume reachable from the node', () => {
  const claim = pvc('data', { size: '3Gi' });
  const pvs = [pv('big', { size: '10Gi', node: 'a' }), pv('small', { size: '5Gi', node: 'a' }), pv('tiny', { size: '1Gi', node: 'a' }), pv('on-b', { size: '4Gi', node: 'b', phase: 'Released' })];
  const l = staticListers({ pvcs: [claim], pvs, classes });
  const pod = podWithClaims('p', ['data']);
  const onA = filter(pod, l, a);
  assert.deepEqual(onA.reasons, []);
  assert.deepEqual(
    onA.volumes.bindings.map((x) => x.pv.metadata?.name),
    ['small'],
  );
  assert.deepEqual(filter(pod, l, b).reasons, [ERR_BIND_CONFLICT], 'released volumes are not candidates; no-provisioner cannot create one');
});

test('filter: volumes must match class, access modes, volume mode and selector', () => {
  const pod = podWithClaims('p', ['data']);
  const cases: [string, Pvc, Pv][] = [
    ['class', pvc('data'), pv('v', { cls: 'other' })],
    ['access modes', pvc('data', { modes: ['ReadWriteMany'] }), pv('v', { modes: ['ReadWriteOnce'] })],
    ['volume mode', pvc('data', { volumeMode: 'Block' }), pv('v')],
    ['selector', pvc('data', { selector: { matchLabels: { tier: 'gold' } } }), pv('v', { labels: { tier: 'silver' } })],
    ['capacity', pvc('data', { size: '2Gi' }), pv('v', { size: '1Gi' })],
    ['bound elsewhere', pvc('data'), pv('v', { claim: pvc('other') })],
  ];
  for (const [name, claim, vol] of cases) assert.deepEqual(filter(pod, staticListers({ pvcs: [claim], pvs: [vol], classes })).reasons, [ERR_BIND_CONFLICT], name);
  const ok = filter(pod, staticListers({ pvcs: [pvc('data', { selector: { matchLabels: { tier: 'gold' } }, modes: ['ReadWriteOnce'] })], pvs: [pv('v', { labels: { tier: 'gold' }, modes: ['ReadWriteOnce', 'ReadOnlyMany'] })], classes }));
  assert.deepEqual(ok.reasons, []);
});

test('filter: two claims of one pod never get the same volume', () => {
  const pod = podWithClaims('p', ['one', 'two']);
  const l = staticListers({ pvcs: [pvc('one'), pvc('two')], pvs: [pv('v1', { node: 'a' })], classes });
  assert.deepEqual(filter(pod, l).reasons, [ERR_BIND_CONFLICT]);
  const l2 = staticListers({ pvcs: [pvc('one'), pvc('two', { size: '2Gi' })], pvs: [pv('v1', { node: 'a', size: '2Gi' }), pv('v2', { node: 'a' })], classes });
  const r = filter(pod, l2);
  assert.deepEqual(r.reasons, []);
  assert.deepEqual(r.volumes.bindings.map((x) => `${x.pvc.metadata?.name}=${x.pv.metadata?.name}`).sort(), ['one=v2', 'two=v1']);
});

test('filter: provisioning follows allowedTopologies, published capacity and an earlier selected node', () => {
  const pod = podWithClaims('p', ['data']);
  const zoned = staticListers({ pvcs: [pvc('data', { cls: 'zoned' })], classes });
  assert.deepEqual(filter(pod, zoned, a).reasons, []);
  assert.equal(filter(pod, zoned, a).volumes.provisions.length, 1);
  assert.deepEqual(filter(pod, zoned, b).reasons, [ERR_BIND_CONFLICT]);

  const claim = pvc('data', { cls: 'dyn', size: '10Gi' });
  const noCapacityTracking = staticListers({ pvcs: [claim], classes, csiDrivers: [csiDriver('example.com/csi', false)] });
  assert.deepEqual(filter(pod, noCapacityTracking, b).reasons, []);
  const tracked = (caps: ReturnType<typeof capacity>[]) => staticListers({ pvcs: [claim], classes, csiDrivers: [csiDriver('example.com/csi', true)], capacities: caps });
  assert.deepEqual(filter(pod, tracked([]), a).reasons, [ERR_NOT_ENOUGH_SPACE]);
  assert.deepEqual(filter(pod, tracked([capacity('dyn', 'a', { capacity: '5Gi' })]), a).reasons, [ERR_NOT_ENOUGH_SPACE]);
  assert.deepEqual(filter(pod, tracked([capacity('dyn', 'a', { capacity: '50Gi' })]), a).reasons, []);
  assert.deepEqual(filter(pod, tracked([capacity('dyn', 'a', { capacity: '50Gi' })]), b).reasons, [ERR_NOT_ENOUGH_SPACE], 'capacity of another node');
  assert.deepEqual(filter(pod, tracked([capacity('dyn', 'a', { capacity: '50Gi', max: '8Gi' })]), a).reasons, [ERR_NOT_ENOUGH_SPACE], 'maximumVolumeSize caps a volume');
  assert.deepEqual(filter(pod, tracked([capacity('other', 'a', { capacity: '50Gi' })]), a).reasons, [ERR_NOT_ENOUGH_SPACE], 'capacity of another class');

  const selected = staticListers({ pvcs: [pvc('data', { cls: 'dyn', annotations: { 'volume.kubernetes.io/selected-node': 'a' } })], classes });
  assert.deepEqual(filter(pod, selected, a).reasons, []);
  assert.deepEqual(filter(pod, selected, b).reasons, [ERR_BIND_CONFLICT], 'already being provisioned for a');
});

/** An informer-like source whose objects a test changes. */
class Source {
  readonly objects = new Map<string, KObject>();
  constructor(items: KObject[]) {
    for (const o of items) this.objects.set(keyOf(o), o);
  }
  get = (k: string) => this.objects.get(k);
  list = () => [...this.objects.values()];
}

test('reserve assumes the chosen volume so the next pod cannot take it; unreserve gives it back', () => {
  const pvSource = new Source([pv('only', { node: 'a' })]);
  const pvcSource = new Source([pvc('one'), pvc('two'), pvc('dyn-claim', { cls: 'dyn' })]);
  const storage = { pvs: new AssumeCache<Pv>(pvSource), pvcs: new AssumeCache<Pvc>(pvcSource) };
  const l = informerListers({ ...storage, classes: new Source(classes) as never, csiNodes: new Source([]) as never, csiDrivers: new Source([]) as never, capacities: new Source([]) as never });
  const plugin = volumeBinding({ listers: l, assume: storage });
  const cycle = (pod: Pod) => {
    const state = new CycleState();
    const p = info(pod);
    assert.equal(plugin.preFilter!(state, p, { nodes: [a], podsWithAffinity: 0, podsWithRequiredAntiAffinity: 0, namespaceLabels: () => undefined }), undefined);
    return { state, p, status: plugin.filter!(state, p, a) };
  };
  const first = cycle(podWithClaims('p1', ['one']));
  assert.equal(first.status, undefined);
  assert.equal(plugin.reserve!(first.state, first.p, 'a'), undefined);
  assert.equal(storage.pvs.get('only')?.spec?.claimRef?.name, 'one');
  assert.equal(storage.pvs.get('only')?.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], 'yes');
  assert.equal(storage.pvs.getAPI('only')?.spec?.claimRef, undefined, 'the informer still has the API object');
  assert.deepEqual(cycle(podWithClaims('p2', ['two'])).status, unresolvable(ERR_BIND_CONFLICT));
  plugin.unreserve!(first.state, first.p, 'a');
  assert.equal(cycle(podWithClaims('p2', ['two'])).status, undefined);

  const dyn = cycle(podWithClaims('p3', ['dyn-claim']));
  plugin.reserve!(dyn.state, dyn.p, 'a');
  assert.equal(storage.pvcs.get('default/dyn-claim')?.metadata?.annotations?.['volume.kubernetes.io/selected-node'], 'a');
  // The informer delivering a newer version ends the assumption.
  const newer = structuredClone(pvcSource.objects.get('default/dyn-claim')!);
  newer.metadata!.resourceVersion = '999999';
  pvcSource.objects.set('default/dyn-claim', newer);
  assert.equal(storage.pvcs.get('default/dyn-claim')?.metadata?.annotations?.['volume.kubernetes.io/selected-node'], undefined);
});
