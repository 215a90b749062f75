import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.js';
import { info, makeNode, nodeInfo } from '../test-objects.js';
import { staticListers } from '../volumes/informer-listers.js';
import { csiNode, podWithClaims, pv, pvc, storageClass } from '../volumes/test-objects.js';
import { ERR_MAX_VOLUME_COUNT, nodeVolumeLimits } from './node-volume-limits.js';

const DRIVER = 'local.csi.gifee.dev';
const classes = [storageClass('local', { provisioner: DRIVER }), storageClass('other', { provisioner: 'other.csi.example.com' })];
const boundClaim = (name: string) => pvc(name, { cls: 'local', bound: true, volumeName: `pv-${name}` });
const boundPv = (name: string, handle: string) => pv(`pv-${name}`, { cls: 'local', claim: boundClaim(name), csi: { driver: DRIVER, volumeHandle: handle } });

const claims = [boundClaim('a'), boundClaim('b'), boundClaim('shared'), pvc('new', { cls: 'local' }), pvc('new2', { cls: 'local' }), pvc('elsewhere', { cls: 'other' }), pvc('nocsi', { cls: null, bound: true, volumeName: 'hostpath' })];
const listers = staticListers({
  pvcs: claims,
  pvs: [boundPv('a', 'h-a'), boundPv('b', 'h-b'), boundPv('shared', 'h-shared'), pv('hostpath', { cls: '' })],
  classes,
  csiNodes: [csiNode('n', { [DRIVER]: 4, 'other.csi.example.com': undefined })],
});
const plugin = nodeVolumeLimits(listers);
const node = nodeInfo(makeNode('n'), [podWithClaims('x', ['a', 'shared'], { nodeName: 'n' }), podWithClaims('y', ['b', 'shared', 'nocsi'], { nodeName: 'n' })]);

test('distinct CSI volumes per driver on a node must stay within the CSINode allocatable count', () => {
  const cases: [string, string[], string | undefined][] = [
    ['three attached, one more of four', ['new'], undefined],
    ['two more of four', ['new', 'new2'], ERR_MAX_VOLUME_COUNT],
    ['a volume already attached there counts once', ['shared', 'a', 'new'], undefined],
    ['a driver without a count has no limit', ['elsewhere'], undefined],
    ['not a CSI volume', ['nocsi'], undefined],
    ['missing claim', ['gone'], 'looking up PVC default/gone: persistentvolumeclaim "gone" not found'],
  ];
  for (const [name, podClaims, want] of cases) {
    const s = plugin.filter!(new CycleState(), info(podWithClaims('p', podClaims)), node);
    assert.equal(s?.reasons[0], want, name);
    if (want === ERR_MAX_VOLUME_COUNT) assert.equal(s?.code, 'Unschedulable');
  }
  // A node without a CSINode has no limits.
  assert.equal(
    plugin.filter!(
      new CycleState(),
      info(podWithClaims('p', ['new', 'new2'])),
      nodeInfo(
        makeNode('other'),
        [...node.pods.values()].map((p) => p.pod),
      ),
    ),
    undefined,
  );
});
