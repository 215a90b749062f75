import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterView } from '../algorithm.js';
import { CycleState, Framework } from '../framework.js';
import { cacheOf, info, makeNode, makePod, nodeInfo } from '../test-objects.js';
import { staticListers } from '../volumes/informer-listers.js';
import { podWithClaims, pvc } from '../volumes/test-objects.js';
import { preempt } from './default-preemption.js';
import { ERR_DISK_CONFLICT, ERR_RWOP_CONFLICT, volumeRestrictions } from './volume-restrictions.js';
import { Algorithm, type FitError } from '../algorithm.js';

const listers = staticListers({ pvcs: [pvc('solo', { modes: ['ReadWriteOncePod'], bound: true, volumeName: 'v' }), pvc('shared', { modes: ['ReadWriteOnce'], bound: true, volumeName: 'w' })] });
const plugin = volumeRestrictions(listers);

test('a ReadWriteOncePod claim used by another pod anywhere keeps the pod off every node', () => {
  const nodes = [makeNode('a'), makeNode('b')];
  const cases: [string, string[], string | undefined][] = [
    ['RWOP in use', ['solo'], ERR_RWOP_CONFLICT],
    ['RWO in use', ['shared'], undefined],
    ['missing', ['nope'], 'persistentvolumeclaim "nope" not found'],
  ];
  const cache = cacheOf(nodes, [podWithClaims('user', ['solo', 'shared'], { nodeName: 'a' })]);
  for (const [name, claims, want] of cases) {
    const s = plugin.preFilter!(new CycleState(), info(podWithClaims('p', claims)), clusterView(cache));
    assert.equal(s?.reasons[0], want, name);
    if (name === 'RWOP in use') assert.equal(s?.code, 'Unschedulable', 'preemption may help');
  }
  // Nobody else uses it: fine, also when the pod itself is already counted (an assumed earlier attempt).
  const self = podWithClaims('p', ['solo'], { nodeName: 'a' });
  const selfCache = cacheOf(nodes, [self]);
  assert.equal(plugin.preFilter!(new CycleState(), info(self), clusterView(selfCache)), undefined);
});

test('preemption can evict the lower-priority pod holding a ReadWriteOncePod claim', () => {
  const nodes = [makeNode('a'), makeNode('b')];
  const cache = cacheOf(nodes, [podWithClaims('holder', ['solo'], { nodeName: 'a', priority: 0 })]);
  const fw = new Framework([plugin]);
  const pod = info(podWithClaims('urgent', ['solo'], { priority: 100 }));
  let err: FitError | undefined;
  try {
    new Algorithm(fw, cache).schedule(pod);
  } catch (e) {
    err = e as FitError;
  }
  assert.match(err?.message ?? '', /0\/2 nodes are available: node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode\./);
  const outcome = preempt(fw, cache, pod, err!.diagnosis);
  assert.equal(outcome.candidate?.node, 'a');
  assert.deepEqual(
    outcome.candidate?.victims.map((v) => v.key),
    ['default/holder'],
  );
});

test('in-tree disks: the same GCE PD or iSCSI target twice read-write, or one EBS volume twice, conflict', () => {
  const vol = (v: object) => makePod('x', { spec: { volumes: [{ name: 'd', ...v }] } });
  const cases: [string, object, object, boolean][] = [
    ['gce rw', { gcePersistentDisk: { pdName: 'disk1' } }, { gcePersistentDisk: { pdName: 'disk1' } }, true],
    ['gce both ro', { gcePersistentDisk: { pdName: 'disk1', readOnly: true } }, { gcePersistentDisk: { pdName: 'disk1', readOnly: true } }, false],
    ['gce other disk', { gcePersistentDisk: { pdName: 'disk1' } }, { gcePersistentDisk: { pdName: 'disk2' } }, false],
    ['ebs ro', { awsElasticBlockStore: { volumeID: 'vol-1', readOnly: true } }, { awsElasticBlockStore: { volumeID: 'vol-1', readOnly: true } }, true],
    ['iscsi', { iscsi: { iqn: 'iqn.2001-04.com.example:storage', lun: 0, targetPortal: '10.0.0.1' } }, { iscsi: { iqn: 'iqn.2001-04.com.example:storage', lun: 1, targetPortal: '10.0.0.1' } }, true],
    ['rbd', { rbd: { pool: 'kube', image: 'foo', monitors: ['m'] } }, { rbd: { pool: 'kube', image: 'foo', monitors: ['m'] } }, true],
  ];
  for (const [name, mine, theirs, conflict] of cases) {
    const node = nodeInfo(makeNode('a'), [{ ...vol(theirs), metadata: { name: 'other', namespace: 'default' } }]);
    const state = new CycleState();
    const p = info(vol(mine));
    plugin.preFilter!(state, p, { nodes: [node], podsWithAffinity: 0, podsWithRequiredAntiAffinity: 0, namespaceLabels: () => undefined });
    assert.deepEqual(plugin.filter!(state, p, node), conflict ? { code: 'Unschedulable', reasons: [ERR_DISK_CONFLICT] } : undefined, name);
  }
});
