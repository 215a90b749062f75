import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { podMountPath, podVolumeDataFile, type PodVolumeData } from '../../csi/paths.js';
import { CsiError, GrpcCode, type CsiDriver, type CsiRegistry, type NodeService } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import { needsNodeExpansion, NodeExpander, resizeFinishedPatch, type Claim, type Volume } from './node-expander.js';
import { parseVolumeData } from './published.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const GI = 1024 ** 3;

/** A driver that grows nothing but records its NodeExpandVolume calls (and fails them on demand). */
function fakeDriver(caps: string[] = ['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME']) {
  const calls: Parameters<NodeService['nodeExpandVolume']>[0][] = [];
  const state = { fail: undefined as CsiError | undefined };
  const node = {
    nodeGetCapabilities: async () => ({ capabilities: caps.map((type) => ({ rpc: { type } })) }),
    nodeExpandVolume: async (req: Parameters<NodeService['nodeExpandVolume']>[0]) => {
      calls.push(req);
      if (state.fail) throw state.fail;
      return { capacityBytes: req.capacityRange?.requiredBytes ?? 0 };
    },
  } as unknown as NodeService;
  const driver: CsiDriver = { getPluginInfo: async () => ({ name: 'fake.csi' }), getPluginCapabilities: async () => ({ capabilities: [] }), probe: async () => ({}), node };
  const registry: CsiRegistry = { get: (n) => (n === 'fake.csi' ? driver : undefined), names: () => ['fake.csi'], onChange() {} };
  return { registry, calls, state };
}

const claim = (capacity: string, conditions: { type: string; status?: string }[] = [{ type: 'FileSystemResizePending', status: 'True' }]): Claim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'ns', uid: 'claim-uid', resourceVersion: '7' },
  spec: { volumeName: 'pv-1', resources: { requests: { storage: '2Gi' } } },
  status: { phase: 'Bound', capacity: { storage: capacity }, conditions },
});
const pv: Volume = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], csi: { driver: 'fake.csi', volumeHandle: 'vol-1', fsType: 'ext4' } } };

async function setup(o: { claim: Claim; readOnly?: boolean; caps?: string[] }) {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-expander-'));
  const podDir = join(dir, 'pods', 'uid-1');
  const data: PodVolumeData = { driverName: 'fake.csi', volumeHandle: 'vol-1', pvName: 'pv-1', specVolumeName: 'data', namespace: 'ns', claimName: 'data', volumeMode: 'Filesystem', stagingPath: join(dir, 'staging'), targetPath: podMountPath(podDir, 'pv-1') };
  await mkdir(data.targetPath, { recursive: true });
  await writeFile(podVolumeDataFile(podDir, 'pv-1'), JSON.stringify(data));
  const fake = fakeDriver(o.caps);
  const patches: Record<string, unknown>[] = [];
  const events: string[] = [];
  let current = o.claim;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'uid-1' }, spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: o.readOnly } }] } };
  const expander = new NodeExpander({
    nodeName: 'node-a',
    csi: fake.registry,
    pods: () => [{ uid: 'uid-1', dir: podDir, pod }],
    api: {
      claim: async (ns, name) => (ns === 'ns' && name === 'data' ? current : undefined),
      volume: async (name) => (name === 'pv-1' ? pv : undefined),
      patchClaimStatus: async (_ns, _name, patch) => {
        patches.push(patch);
        const st = (patch as { status: Claim['status'] }).status!;
        current = { ...current, status: { ...current.status, capacity: st.capacity, conditions: st.conditions } };
      },
    },
    recorder: { record: (obj, type, reason, message) => void events.push(`${obj.kind} ${type} ${reason} ${message}`) },
    log: quiet,
  });
  return { dir, data, expander, patches, events, fake };
}

test('a claim waiting for the node is expanded online: NodeExpandVolume with the paths and the PV capacity, then status.capacity and no resize condition', async () => {
  const s = await setup({
    claim: claim('1Gi', [
      { type: 'Resizing', status: 'True' },
      { type: 'FileSystemResizePending', status: 'True' },
      { type: 'ModifyingVolume', status: 'True' },
    ]),
  });
  try {
    assert.deepEqual(await s.expander.pass(), ['pv-1']);
    assert.equal(s.fake.calls.length, 1);
    const call = s.fake.calls[0];
    assert.equal(call.volumeId, 'vol-1');
    assert.equal(call.volumePath, s.data.targetPath);
    assert.equal(call.stagingTargetPath, s.data.stagingPath);
    assert.deepEqual(call.capacityRange, { requiredBytes: 2 * GI });
    assert.deepEqual(call.volumeCapability, { mount: { fsType: 'ext4' }, accessMode: { mode: 'SINGLE_NODE_WRITER' } });
    assert.deepEqual(s.patches, [{ metadata: { resourceVersion: '7' }, status: { capacity: { storage: '2Gi' }, conditions: [{ type: 'ModifyingVolume', status: 'True' }] } }]);
    assert.deepEqual(s.events, ['Pod Normal FileSystemResizeSuccessful MountVolume.NodeExpandVolume succeeded for volume "pv-1" node-a', 'PersistentVolumeClaim Normal FileSystemResizeSuccessful MountVolume.NodeExpandVolume succeeded for volume "pv-1" node-a']);
    // Done: the next pass finds nothing to do.
    assert.deepEqual(await s.expander.pass(), []);
    assert.equal(s.fake.calls.length, 1);
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('a driver error is the kubelet’s VolumeResizeFailed event on the pod, the claim keeps waiting and the volume backs off', async () => {
  const s = await setup({ claim: claim('1Gi') });
  try {
    s.fake.state.fail = new CsiError(GrpcCode.INTERNAL, 'resize2fs failed');
    const t0 = Date.now();
    assert.deepEqual(await s.expander.pass(t0), []);
    assert.deepEqual(s.events, ['Pod Warning VolumeResizeFailed NodeExpandVolume.NodeExpandVolume failed for volume "pv-1" : Expander.NodeExpand failed to expand the volume : rpc error: code = Internal desc = resize2fs failed']);
    assert.equal(s.patches.length, 0);
    // Backing off: no call a second later; once the driver recovers and the back-off passed, it succeeds.
    await s.expander.pass(t0 + 1000);
    assert.equal(s.fake.calls.length, 1);
    s.fake.state.fail = undefined;
    assert.deepEqual(await s.expander.pass(t0 + 10_000), ['pv-1']);
    assert.equal(s.patches.length, 1);
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('nothing to do without the condition, a read-only use is reported once, a driver without node expansion only finishes the status', async () => {
  let s = await setup({ claim: claim('1Gi', []) });
  try {
    assert.deepEqual(await s.expander.pass(), []);
    assert.equal(s.fake.calls.length + s.patches.length + s.events.length, 0);
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
  s = await setup({ claim: claim('1Gi'), readOnly: true });
  try {
    await s.expander.pass();
    await s.expander.pass();
    assert.deepEqual(s.events, ['Pod Warning FileSystemResizeFailed MountVolume.NodeExpandVolume failed for volume "pv-1" requested read-only file system']);
    assert.equal(s.fake.calls.length + s.patches.length, 0);
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
  s = await setup({ claim: claim('1Gi'), caps: ['STAGE_UNSTAGE_VOLUME'] });
  try {
    assert.deepEqual(await s.expander.pass(), ['pv-1']);
    assert.equal(s.fake.calls.length, 0);
    assert.equal(s.patches.length, 1);
  } finally {
    await rm(s.dir, { recursive: true, force: true });
  }
});

test('the decision and the patch', () => {
  assert.equal(needsNodeExpansion(claim('1Gi'), pv), true);
  assert.equal(needsNodeExpansion(claim('2Gi'), pv), false, 'already at the PV size');
  assert.equal(needsNodeExpansion(claim('1Gi', []), pv), false, 'no condition');
  assert.equal(needsNodeExpansion({ ...claim('1Gi', []), status: { capacity: { storage: '1Gi' }, allocatedResourceStatuses: { storage: 'NodeResizePending' } } }, pv), true);
  assert.equal(needsNodeExpansion(claim('1Gi'), { ...pv, spec: { capacity: { storage: 'garbage' } } }), false);
  const withStatuses = { ...claim('1Gi'), status: { ...claim('1Gi').status, allocatedResourceStatuses: { storage: 'NodeResizePending' } } };
  assert.deepEqual((resizeFinishedPatch(withStatuses, '2Gi').status as Record<string, unknown>).allocatedResourceStatuses, { storage: null });
});

test('vol_data.json: only the shape the mounter writes is believed', () => {
  const ok = { driverName: 'd', volumeHandle: 'h', pvName: 'pv', specVolumeName: 'v', namespace: 'ns', volumeMode: 'Filesystem', targetPath: '/x' };
  assert.deepEqual(parseVolumeData(JSON.stringify(ok)), ok);
  for (const bad of ['', 'null', '[]', '{"a":1}', JSON.stringify({ ...ok, volumeMode: 'Weird' }), JSON.stringify({ ...ok, pvName: 5 }), JSON.stringify({ ...ok, claimName: '' }), JSON.stringify({ ...ok, targetPath: 'x'.repeat(5000) })]) assert.equal(parseVolumeData(bad), undefined, bad);
});
