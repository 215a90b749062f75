// The CSI transport over real unix sockets: every RPC of a small in-test driver round-trips through
// serveCsi and connectCsi with its fields intact; refusals keep their gRPC codes; a hanging driver
// meets the deadline; a socket that is not a gRPC server, a missing socket and a driver that answers
// garbage all become CsiErrors rather than crashes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { tempDir } from '../../test/helpers/temp-dirs.js';
import { testDriver } from '../../test/helpers/csi-test-driver.js';
import { connectCsi } from './grpc-client.js';
import { serveCsi } from './grpc-server.js';
import { CsiError, GrpcCode, type CsiDriver, type VolumeCapability } from './types.js';

const dir = tempDir('gifee-csi-grpc-');
let n = 0;
const sock = () => join(dir, `s${n++}.sock`);

async function withDriver(driver: CsiDriver, fn: (client: ReturnType<typeof connectCsi>) => Promise<void>, o: { timeoutMs?: number } = {}) {
  const path = sock();
  const server = await serveCsi(driver, path);
  const client = connectCsi(path, o);
  try {
    await fn(client);
  } finally {
    client.close();
    await server.close();
  }
}

async function rejectsWith(p: Promise<unknown>, code: GrpcCode, message?: RegExp): Promise<CsiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CsiError, `a CsiError, not ${String(e)}`);
    assert.equal(GrpcCode[e.code], GrpcCode[code], e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail('expected a rejection');
}

const mountCap: VolumeCapability = { mount: { fsType: 'ext4', mountFlags: ['noatime'], volumeMountGroup: '1000' }, accessMode: { mode: 'SINGLE_NODE_WRITER' } };
const blockCap: VolumeCapability = { block: {}, accessMode: { mode: 'SINGLE_NODE_MULTI_WRITER' } };

test('every RPC round-trips between client and server with its fields', async () => {
  const driver = testDriver({ name: 'test.csi.gifee.dev', nodeId: 'n1', maxVolumesPerNode: 7, topology: { 'topology.test/zone': 'a' } });
  await withDriver(driver, async (c) => {
    assert.deepEqual(await c.getPluginInfo(), { name: 'test.csi.gifee.dev', vendorVersion: '0.0.1-test', manifest: { purpose: 'test' } });
    assert.deepEqual(await c.getPluginCapabilities(), { capabilities: [{ service: { type: 'CONTROLLER_SERVICE' } }, { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } }, { volumeExpansion: { type: 'ONLINE' } }] });
    assert.deepEqual(await c.probe(), { ready: { value: true } });

    // Controller.
    assert.deepEqual((await c.controller.controllerGetCapabilities()).capabilities, [{ rpc: { type: 'CREATE_DELETE_VOLUME' } }, { rpc: { type: 'EXPAND_VOLUME' } }, { rpc: { type: 'CREATE_DELETE_SNAPSHOT' } }]);
    const big = 3 * 2 ** 40; // past 32 bits: int64 travels as a number
    const created = await c.controller.createVolume({
      name: 'pvc-1',
      capacityRange: { requiredBytes: big },
      volumeCapabilities: [mountCap, blockCap],
      parameters: { kind: 'fast' },
      secrets: { token: 's' },
      volumeContentSource: { snapshot: { snapshotId: 'snap-0' } },
      accessibilityRequirements: { requisite: [{ segments: { 'topology.test/zone': 'a' } }], preferred: [] },
    });
    assert.equal(created.volume.volumeId, 'vol-pvc-1');
    assert.equal(created.volume.capacityBytes, big);
    assert.deepEqual(created.volume.volumeContext, { created: 'yes' });
    assert.deepEqual(created.volume.accessibleTopology, [{ segments: { 'topology.test/zone': 'a' } }]);
    const req = driver.calls.find((x) => x.rpc === 'CreateVolume')!.request as Record<string, unknown>;
    assert.equal(req.name, 'pvc-1');
    assert.deepEqual(req.capacityRange, { requiredBytes: big, limitBytes: 0 });
    assert.deepEqual(req.volumeCapabilities, [mountCap, blockCap]);
    assert.deepEqual(req.parameters, { kind: 'fast' });
    assert.deepEqual(req.secrets, { token: 's' });
    assert.deepEqual(req.volumeContentSource, { snapshot: { snapshotId: 'snap-0' } });
    assert.deepEqual(req.accessibilityRequirements, { requisite: [{ segments: { 'topology.test/zone': 'a' } }], preferred: [] });

    await c.controller.deleteVolume({ volumeId: 'vol-pvc-1', secrets: { a: 'b' } });
    assert.deepEqual(await c.controller.controllerPublishVolume({ volumeId: 'v', nodeId: 'n1', volumeCapability: mountCap, readonly: true, volumeContext: { x: 'y' } }), { publishContext: { device: '/dev/test0' } });
    await c.controller.controllerUnpublishVolume({ volumeId: 'v', nodeId: 'n1' });
    // Int64Value wrappers: set stays set, absent stays absent.
    assert.deepEqual(await c.controller.getCapacity({ parameters: { kind: 'fast' }, accessibleTopology: { segments: { z: '1' } } }), { availableCapacity: 5 * 2 ** 40, maximumVolumeSize: 2 ** 40, minimumVolumeSize: undefined });
    assert.deepEqual(await c.controller.controllerExpandVolume({ volumeId: 'v', capacityRange: { requiredBytes: 2 ** 33 }, volumeCapability: mountCap }), { capacityBytes: 2 ** 33, nodeExpansionRequired: true });
    const snap = await c.controller.createSnapshot({ sourceVolumeId: 'v', name: 's1', parameters: { p: '1' } });
    assert.deepEqual(snap.snapshot, { sizeBytes: 1024, snapshotId: 'snap-s1', sourceVolumeId: 'v', creationTime: { seconds: 1_700_000_000, nanos: 5 }, readyToUse: true, groupSnapshotId: '' });
    await c.controller.deleteSnapshot({ snapshotId: 'snap-s1' });

    // Node.
    assert.deepEqual(await c.node.nodeGetInfo(), { nodeId: 'n1', maxVolumesPerNode: 7, accessibleTopology: { segments: { 'topology.test/zone': 'a' } } });
    assert.deepEqual(
      (await c.node.nodeGetCapabilities()).capabilities.map((x) => x.rpc.type),
      ['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME'],
    );
    await c.node.nodeStageVolume({ volumeId: 'v', publishContext: { device: '/dev/test0' }, stagingTargetPath: '/stage', volumeCapability: mountCap, volumeContext: { a: '1' } });
    await c.node.nodePublishVolume({ volumeId: 'v', stagingTargetPath: '/stage', targetPath: '/target', volumeCapability: blockCap, readonly: true });
    await c.node.nodeUnpublishVolume({ volumeId: 'v', targetPath: '/target' });
    await c.node.nodeUnstageVolume({ volumeId: 'v', stagingTargetPath: '/stage' });
    const stats = await c.node.nodeGetVolumeStats({ volumeId: 'v', volumePath: '/target' });
    assert.deepEqual(stats.usage, [
      { available: 600, total: 1000, used: 400, unit: 'BYTES' },
      { available: 90, total: 100, used: 10, unit: 'INODES' },
    ]);
    assert.deepEqual(stats.volumeCondition, { abnormal: false, message: 'fine' });
    assert.deepEqual(await c.node.nodeExpandVolume({ volumeId: 'v', volumePath: '/target', capacityRange: { requiredBytes: 2 ** 34 } }), { capacityBytes: 2 ** 34 });

    const stage = driver.calls.find((x) => x.rpc === 'NodeStageVolume')!.request as Record<string, unknown>;
    assert.deepEqual([stage.volumeId, stage.stagingTargetPath, stage.publishContext, stage.volumeCapability, stage.volumeContext], ['v', '/stage', { device: '/dev/test0' }, mountCap, { a: '1' }]);
    const publish = driver.calls.find((x) => x.rpc === 'NodePublishVolume')!.request as Record<string, unknown>;
    assert.deepEqual([publish.targetPath, publish.readonly, publish.volumeCapability], ['/target', true, blockCap]);
    assert.deepEqual(
      driver.calls.map((x) => x.rpc),
      [
        'GetPluginInfo',
        'GetPluginCapabilities',
        'Probe',
        'ControllerGetCapabilities',
        'CreateVolume',
        'DeleteVolume',
        'ControllerPublishVolume',
        'ControllerUnpublishVolume',
        'GetCapacity',
        'ControllerExpandVolume',
        'CreateSnapshot',
        'DeleteSnapshot',
        'NodeGetInfo',
        'NodeGetCapabilities',
        'NodeStageVolume',
        'NodePublishVolume',
        'NodeUnpublishVolume',
        'NodeUnstageVolume',
        'NodeGetVolumeStats',
        'NodeExpandVolume',
      ],
    );
  });
});

test("a driver's refusals keep their gRPC codes; anything else it throws is INTERNAL", async () => {
  const driver = testDriver({ name: 'errors.test', nodeOnly: true });
  driver.node!.nodeStageVolume = async () => {
    throw new CsiError(GrpcCode.FAILED_PRECONDITION, 'volume is published elsewhere');
  };
  driver.node!.nodePublishVolume = async () => {
    throw new Error('disk on fire');
  };
  driver.node!.nodeUnpublishVolume = () => {
    throw new TypeError('synchronous throw');
  };
  await withDriver(driver, async (c) => {
    await rejectsWith(c.node.nodeStageVolume({ volumeId: 'v', stagingTargetPath: '/s', volumeCapability: mountCap }), GrpcCode.FAILED_PRECONDITION, /^volume is published elsewhere$/);
    await rejectsWith(c.node.nodePublishVolume({ volumeId: 'v', targetPath: '/t', volumeCapability: mountCap }), GrpcCode.INTERNAL, /^disk on fire$/);
    await rejectsWith(c.node.nodeUnpublishVolume({ volumeId: 'v', targetPath: '/t' }), GrpcCode.INTERNAL, /synchronous throw/);
    // A node-only driver serves no Controller service.
    await rejectsWith(c.controller.createVolume({ name: 'x', volumeCapabilities: [mountCap] }), GrpcCode.UNIMPLEMENTED);
    // The server goes on serving after all that.
    assert.equal((await c.node.nodeGetInfo()).nodeId, 'node-1');
  });
});

test('a driver that does not answer meets the deadline', async () => {
  const driver = testDriver({ name: 'hang.test' });
  driver.node!.nodeStageVolume = () => new Promise(() => {});
  await withDriver(
    driver,
    async (c) => {
      const t0 = Date.now();
      await rejectsWith(c.node.nodeStageVolume({ volumeId: 'v', stagingTargetPath: '/s', volumeCapability: mountCap }), GrpcCode.DEADLINE_EXCEEDED, /NodeStageVolume: no answer from the plugin at .* within 0\.3s/);
      const took = Date.now() - t0;
      assert.ok(took >= 250 && took < 5_000, `took ${took} ms`);
    },
    { timeoutMs: 300 },
  );
});

test('a missing socket, a socket that is not gRPC and one that never answers all become clear errors', async () => {
  const missing = connectCsi(join(dir, 'nobody-here.sock'), { infoTimeoutMs: 2_000 });
  await rejectsWith(missing.getPluginInfo(), GrpcCode.UNAVAILABLE, /cannot reach the plugin at .*nobody-here\.sock/);
  missing.close();

  // Answers every connection with HTTP/1 garbage and hangs up.
  const garbagePath = sock();
  const garbage = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\nthis is not gRPC'));
  await new Promise<void>((r) => garbage.listen(garbagePath, r));
  // Accepts and says nothing, ever.
  const silentPath = sock();
  const held: import('node:net').Socket[] = [];
  const silent = createServer((s) => held.push(s));
  await new Promise<void>((r) => silent.listen(silentPath, r));
  try {
    const g = connectCsi(garbagePath, { infoTimeoutMs: 2_000 });
    const e = await rejectsWith(g.node.nodeGetInfo(), GrpcCode.UNAVAILABLE);
    assert.match(e.message, /NodeGetInfo: cannot reach the plugin at/);
    g.close();
    const s = connectCsi(silentPath, { infoTimeoutMs: 500 });
    await rejectsWith(s.probe(), GrpcCode.DEADLINE_EXCEEDED);
    s.close();
    // A relative path is refused before anything is dialled.
    assert.throws(
      () => connectCsi('relative.sock'),
      (err: unknown) => err instanceof CsiError && err.code === GrpcCode.INVALID_ARGUMENT,
    );
  } finally {
    for (const x of held) x.destroy();
    garbage.close();
    silent.close();
  }
});

test('a driver that answers garbage, or leaves out required fields, is reported as malformed', async () => {
  const path = sock();
  const server = new grpc.Server();
  const raw = (p: string, answer: Buffer) => ({ path: p, requestStream: false, responseStream: false, requestSerialize: (x: Buffer) => x, requestDeserialize: (b: Buffer) => b, responseSerialize: () => answer, responseDeserialize: (b: Buffer) => b });
  server.addService(
    {
      // Bytes that no protobuf message decodes from.
      NodeGetInfo: raw('/csi.v1.Node/NodeGetInfo', Buffer.from([0xff, 0xff, 0xff, 0xff])),
      // A well-formed but empty answer: no node id, no plugin name, no volume.
      NodeGetCapabilities: raw('/csi.v1.Node/NodeGetCapabilities', Buffer.alloc(0)),
      GetPluginInfo: raw('/csi.v1.Identity/GetPluginInfo', Buffer.alloc(0)),
      CreateVolume: raw('/csi.v1.Controller/CreateVolume', Buffer.alloc(0)),
    } as grpc.ServiceDefinition,
    {
      NodeGetInfo: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)),
      NodeGetCapabilities: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)),
      GetPluginInfo: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)),
      CreateVolume: (_c: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(0)),
    },
  );
  await new Promise<void>((r, j) => server.bindAsync(`unix://${path}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
  const c = connectCsi(path, { infoTimeoutMs: 2_000, timeoutMs: 2_000 });
  try {
    await rejectsWith(c.node.nodeGetInfo(), GrpcCode.INTERNAL, /NodeGetInfo: the plugin at .* gave a malformed answer/);
    assert.deepEqual(await c.node.nodeGetCapabilities(), { capabilities: [] });
    await rejectsWith(c.getPluginInfo(), GrpcCode.INTERNAL, /GetPluginInfo: the plugin at .* answered without a name/);
    await rejectsWith(c.controller.createVolume({ name: 'x', volumeCapabilities: [mountCap] }), GrpcCode.INTERNAL, /without a volume id/);
  } finally {
    c.close();
    server.forceShutdown();
  }
});

test('serveCsi replaces a stale socket but never another file', async () => {
  const path = sock();
  const first = await serveCsi(testDriver({ name: 'a.test' }), path);
  // A crash leaves the socket behind: simulate by closing the server without the cleanup.
  const { writeFile } = await import('node:fs/promises');
  const second = await serveCsi(testDriver({ name: 'b.test' }), path);
  const c = connectCsi(path);
  assert.equal((await c.getPluginInfo()).name, 'b.test');
  c.close();
  await second.close();
  await first.close();
  const file = join(dir, 'plain-file');
  await writeFile(file, 'x');
  await assert.rejects(serveCsi(testDriver({ name: 'c.test' }), file), /is not a socket/);
});
