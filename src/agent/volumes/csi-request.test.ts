// The pieces of CSI node requests the kubelet derives from the PV and the CSIDriver object.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessModeOf, fsGroupApplies, fsGroupPolicyOf, volumeCapability } from './csi-request.js';

describe('CSI request pieces', () => {
  it("access modes: the PV's first, finer single-node modes only for drivers that have them", () => {
    const none = new Set<never>();
    const fine = new Set(['SINGLE_NODE_MULTI_WRITER' as const]);
    assert.equal(accessModeOf(undefined, none), 'SINGLE_NODE_WRITER');
    assert.equal(accessModeOf(['ReadWriteOnce', 'ReadOnlyMany'], none), 'SINGLE_NODE_WRITER');
    assert.equal(accessModeOf(['ReadOnlyMany'], none), 'MULTI_NODE_READER_ONLY');
    assert.equal(accessModeOf(['ReadWriteMany'], none), 'MULTI_NODE_MULTI_WRITER');
    assert.equal(accessModeOf(['ReadWriteOncePod'], none), 'SINGLE_NODE_WRITER');
    assert.equal(accessModeOf(['ReadWriteOncePod'], fine), 'SINGLE_NODE_SINGLE_WRITER');
    assert.equal(accessModeOf(['ReadWriteOnce'], fine), 'SINGLE_NODE_MULTI_WRITER');
  });

  it('capabilities: block, or mount with fsType, mount options and the mount group', () => {
    const pv = { spec: { accessModes: ['ReadWriteOnce'], mountOptions: ['noatime', 'nodiratime'], csi: { driver: 'd', volumeHandle: 'h', fsType: 'xfs' } } };
    assert.deepEqual(volumeCapability(pv, 'Block', new Set()), { block: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } });
    assert.deepEqual(volumeCapability(pv, 'Filesystem', new Set(), '1000'), { mount: { fsType: 'xfs', mountFlags: ['noatime', 'nodiratime'], volumeMountGroup: '1000' }, accessMode: { mode: 'SINGLE_NODE_WRITER' } });
    assert.deepEqual(volumeCapability({ spec: { csi: { driver: 'd', volumeHandle: 'h' } } }, 'Filesystem', new Set()), { mount: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } });
  });

  it('fsGroupPolicy defaults to ReadWriteOnceWithFSType, and decides with the access mode, fsType and read-only', () => {
    assert.equal(fsGroupPolicyOf(undefined), 'ReadWriteOnceWithFSType');
    assert.equal(fsGroupPolicyOf({ spec: { fsGroupPolicy: 'bogus' } }), 'ReadWriteOnceWithFSType');
    assert.equal(fsGroupPolicyOf({ spec: { fsGroupPolicy: 'File' } }), 'File');
    const rwo = { fsGroup: 1, readOnly: false, fsType: 'ext4', accessModes: ['ReadWriteOnce'] };
    assert.equal(fsGroupApplies({ ...rwo, policy: 'ReadWriteOnceWithFSType' }), true);
    assert.equal(fsGroupApplies({ ...rwo, fsGroup: undefined, policy: 'File' }), false);
    assert.equal(fsGroupApplies({ ...rwo, policy: 'None' }), false);
    assert.equal(fsGroupApplies({ ...rwo, readOnly: true, policy: 'File' }), false);
    assert.equal(fsGroupApplies({ ...rwo, fsType: undefined, policy: 'ReadWriteOnceWithFSType' }), false);
    assert.equal(fsGroupApplies({ ...rwo, accessModes: ['ReadOnlyMany'], policy: 'ReadWriteOnceWithFSType' }), false);
    assert.equal(fsGroupApplies({ ...rwo, fsType: undefined, accessModes: [], policy: 'File' }), true);
  });
});
