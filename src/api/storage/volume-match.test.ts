// The matcher the PV controller and the scheduler share, as a table: for a claim and the volumes
// there are (and, on the scheduler's path, the node and the volumes taken by the pod's other claims),
// the one it binds to or none, as Kubernetes' FindMatchingVolume chooses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pv, Pvc } from './types.js';
import { findMatchingVolume, volumeMismatch } from './volume-match.js';

interface VolOpts {
  size?: string;
  cls?: string;
  modes?: string[];
  phase?: string;
  labels?: Record<string, string>;
  claimRef?: { namespace: string; name: string; uid?: string };
  mode?: string;
  deleting?: boolean;
  zone?: string;
}

const pv = (name: string, o: VolOpts = {}): Pv => ({
  metadata: { name, labels: o.labels, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: {
    capacity: { storage: o.size ?? '1Gi' },
    accessModes: o.modes ?? ['ReadWriteOnce'],
    storageClassName: o.cls ?? '',
    ...(o.claimRef ? { claimRef: o.claimRef } : {}),
    ...(o.mode ? { volumeMode: o.mode } : {}),
    ...(o.zone ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [o.zone] }] }] } } } : {}),
    hostPath: { path: `/data/${name}` },
  },
  status: { phase: o.phase ?? (o.claimRef ? 'Bound' : 'Available') },
});

const pvc = (o: { size?: string; cls?: string; modes?: string[]; selector?: Pvc['spec'] extends infer S ? (S extends { selector?: infer X } ? X : never) : never; mode?: string; name?: string } = {}): Pvc => ({
  metadata: { name: o.name ?? 'data', namespace: 'default', uid: 'claim-uid' },
  spec: { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, storageClassName: o.cls ?? '', ...(o.selector ? { selector: o.selector } : {}), ...(o.mode ? { volumeMode: o.mode } : {}) },
});

const cases: { name: string; claim: Pvc; volumes: Pv[]; opts?: Parameters<typeof findMatchingVolume>[2]; want: string | undefined }[] = [
  { name: 'no volumes', claim: pvc(), volumes: [], want: undefined },
  { name: 'smallest that fits', claim: pvc({ size: '2Gi' }), volumes: [pv('big', { size: '10Gi' }), pv('small', { size: '1Gi' }), pv('fit', { size: '3Gi' }), pv('exact', { size: '2Gi' })], want: 'exact' },
  { name: 'capacity in other units', claim: pvc({ size: '1000Mi' }), volumes: [pv('a', { size: '1G' }), pv('b', { size: '1Gi' })], want: 'b' },
  { name: 'too small', claim: pvc({ size: '5Gi' }), volumes: [pv('a', { size: '4Gi' })], want: undefined },
  { name: 'class must match ("" is no class)', claim: pvc({ cls: 'fast' }), volumes: [pv('none'), pv('slow', { cls: 'slow' }), pv('fast', { cls: 'fast', size: '5Gi' })], want: 'fast' },
  { name: 'a claim with no class takes only classless volumes', claim: pvc(), volumes: [pv('fast', { cls: 'fast' })], want: undefined },
  { name: 'selector', claim: pvc({ selector: { matchLabels: { tier: 'db' } } }), volumes: [pv('web', { labels: { tier: 'web' } }), pv('db', { labels: { tier: 'db' }, size: '9Gi' })], want: 'db' },
  { name: 'selector expressions', claim: pvc({ selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }] } }), volumes: [pv('web', { labels: { tier: 'web' } }), pv('plain', { size: '2Gi' })], want: 'plain' },
  { name: 'access modes: the volume must offer all the claim asks', claim: pvc({ modes: ['ReadWriteOnce', 'ReadOnlyMany'] }), volumes: [pv('rwo'), pv('both', { modes: ['ReadOnlyMany', 'ReadWriteOnce'], size: '4Gi' })], want: 'both' },
  { name: 'access modes: fewer extra modes first, even if larger', claim: pvc(), volumes: [pv('many', { modes: ['ReadWriteOnce', 'ReadWriteMany'] }), pv('rwo', { size: '5Gi' })], want: 'rwo' },
  { name: 'volumeMode must match', claim: pvc({ mode: 'Block' }), volumes: [pv('fs'), pv('block', { mode: 'Block', size: '2Gi' })], want: 'block' },
  { name: 'only Available volumes', claim: pvc(), volumes: [pv('released', { phase: 'Released' }), pv('pending', { phase: 'Pending' }), pv('ok', { size: '7Gi' })], want: 'ok' },
  { name: 'never a volume claimed by another claim', claim: pvc(), volumes: [pv('other', { claimRef: { namespace: 'default', name: 'other', uid: 'x' }, phase: 'Available' })], want: undefined },
  { name: 'never a volume of a same-named claim with another uid', claim: pvc(), volumes: [pv('old', { claimRef: { namespace: 'default', name: 'data', uid: 'previous' }, phase: 'Released' })], want: undefined },
  { name: 'pre-bound by name (no uid) wins over a better fit', claim: pvc(), volumes: [pv('free'), pv('mine', { size: '10Gi', claimRef: { namespace: 'default', name: 'data' }, phase: 'Available' })], want: 'mine' },
  { name: 'pre-bound volume of another class still binds', claim: pvc({ cls: 'fast' }), volumes: [pv('mine', { cls: 'slow', claimRef: { namespace: 'default', name: 'data' }, phase: 'Available' })], want: 'mine' },
  { name: 'pre-bound volume too small is not taken', claim: pvc({ size: '2Gi' }), volumes: [pv('mine', { claimRef: { namespace: 'default', name: 'data' } })], want: undefined },
  { name: 'provisioned for this claim (uid) in any phase', claim: pvc({ cls: 'local' }), volumes: [pv('pvc-1', { cls: 'local', claimRef: { namespace: 'default', name: 'data', uid: 'claim-uid' }, phase: 'Pending' })], want: 'pvc-1' },
  { name: 'volumes being deleted are skipped', claim: pvc(), volumes: [pv('going', { deleting: true })], want: undefined },
  { name: 'WaitForFirstConsumer without a node: only pre-bound', claim: pvc(), volumes: [pv('free')], opts: { delayBinding: true }, want: undefined },
  { name: 'WaitForFirstConsumer, pre-bound', claim: pvc(), volumes: [pv('free'), pv('mine', { claimRef: { namespace: 'default', name: 'data', uid: 'claim-uid' } })], opts: { delayBinding: true }, want: 'mine' },
  { name: 'WaitForFirstConsumer with a node: node affinity must admit it', claim: pvc(), volumes: [pv('a', { zone: 'a' }), pv('b', { zone: 'b', size: '3Gi' }), pv('any', { size: '5Gi' })], opts: { delayBinding: true, node: { name: 'n1', labels: { zone: 'b' } } }, want: 'b' },
  { name: "pre-bound volume out of the node's reach: no match", claim: pvc(), volumes: [pv('mine', { zone: 'a', claimRef: { namespace: 'default', name: 'data' } }), pv('any')], opts: { delayBinding: true, node: { name: 'n1', labels: { zone: 'b' } } }, want: undefined },
  { name: 'malformed capacity is skipped', claim: pvc(), volumes: [{ ...pv('bad'), spec: { ...pv('bad').spec, capacity: { storage: 'lots' } } }, pv('good', { size: '2Gi' })], want: 'good' },
  // The scheduler's path: a candidate node, and volumes already chosen for the pod's other claims.
  { name: 'scheduler: volumes chosen for other claims are skipped', claim: pvc(), volumes: [pv('taken'), pv('next', { size: '2Gi' })], opts: { node: { name: 'n1', labels: {} }, excluded: new Set(['taken']) }, want: 'next' },
  { name: 'scheduler: node affinity applies without delayed binding too', claim: pvc(), volumes: [pv('a', { zone: 'a' })], opts: { node: { name: 'n1', labels: { zone: 'b' } } }, want: undefined },
  { name: 'scheduler: a pre-bound volume in reach of the node', claim: pvc(), volumes: [pv('free'), pv('mine', { zone: 'b', claimRef: { namespace: 'default', name: 'data', uid: 'claim-uid' } })], opts: { node: { name: 'n1', labels: { zone: 'b' } } }, want: 'mine' },
  { name: 'pre-bound: the one carrying the uid wins', claim: pvc(), volumes: [pv('by-name', { claimRef: { namespace: 'default', name: 'data' } }), pv('by-uid', { claimRef: { namespace: 'default', name: 'data', uid: 'claim-uid' } })], want: 'by-uid' },
  { name: 'equal candidates: by name, whatever the listing order', claim: pvc(), volumes: [pv('b'), pv('a'), pv('c')], want: 'a' },
  {
    name: 'the beta class annotation wins over spec.storageClassName',
    claim: { ...pvc({ cls: 'fast' }), metadata: { name: 'data', namespace: 'default', uid: 'claim-uid', annotations: { 'volume.beta.kubernetes.io/storage-class': 'slow' } } },
    volumes: [pv('fast', { cls: 'fast' }), pv('slow', { cls: 'slow', size: '3Gi' })],
    want: 'slow',
  },
  { name: 'hostile: a malformed selector matches nothing', claim: pvc({ selector: { matchExpressions: [{ key: 'tier', operator: 'Bogus', values: ['x'] }] } }), volumes: [pv('a')], want: undefined },
  {
    name: 'hostile: a malformed node affinity term admits no node',
    claim: pvc(),
    volumes: [{ ...pv('bad'), spec: { ...pv('bad').spec, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Gt', values: ['x', 'y'] }] }] } } } }, pv('ok', { size: '2Gi' })],
    opts: { node: { name: 'n1', labels: { zone: '1' } } },
    want: 'ok',
  },
  { name: 'hostile: access modes that are not a list', claim: { ...pvc(), spec: { ...pvc().spec, accessModes: 'ReadWriteOnce' as unknown as string[] } }, volumes: [pv('a')], want: 'a' },
  { name: 'hostile: a missing request takes the smallest', claim: { ...pvc(), spec: { accessModes: ['ReadWriteOnce'], storageClassName: '' } }, volumes: [pv('big', { size: '2Gi' }), pv('small', { size: '1Mi' })], want: 'small' },
];

for (const c of cases) {
  test(`findMatchingVolume: ${c.name}`, () => {
    assert.equal(findMatchingVolume(c.claim, c.volumes, c.opts)?.metadata?.name, c.want);
  });
}

test('volumeMismatch: why a claim cannot have the volume it names', () => {
  assert.equal(volumeMismatch(pv('a', { size: '1Gi' }), pvc({ size: '2Gi' })), 'requested PV is too small');
  assert.equal(volumeMismatch(pv('a', { cls: 'x' }), pvc()), 'storageClassName does not match');
  assert.equal(volumeMismatch(pv('a', { mode: 'Block' }), pvc()), 'incompatible volumeMode');
  assert.equal(volumeMismatch(pv('a'), pvc({ modes: ['ReadWriteMany'] })), 'incompatible accessMode');
  assert.equal(volumeMismatch(pv('a', { deleting: true }), pvc()), 'the volume is marked for deletion "a"');
  assert.equal(volumeMismatch(pv('a', { size: '3Gi' }), pvc()), undefined);
});
