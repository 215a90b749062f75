import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CsiDriver, CsiRegistry, NodeService } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import { Registry } from '../../util/metrics.js';
import { statfsVolume, VolumeStatsCollector, type StatsTarget } from './volume-stats.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

function registry(opts: { stats: boolean; hang?: boolean }) {
  let calls = 0;
  const node = {
    nodeGetCapabilities: async () => ({ capabilities: opts.stats ? [{ rpc: { type: 'GET_VOLUME_STATS' } }] : [] }),
    nodeGetVolumeStats: async () => {
      calls++;
      if (opts.hang) return new Promise(() => {});
      return {
        usage: [
          { unit: 'BYTES', total: 1000, available: 600, used: 400 },
          { unit: 'INODES', total: 100, available: 90, used: 10 },
        ],
        volumeCondition: { abnormal: false, message: 'ok' },
      };
    },
  } as unknown as NodeService;
  const driver: CsiDriver = { getPluginInfo: async () => ({ name: 'fake.csi' }), getPluginCapabilities: async () => ({ capabilities: [] }), probe: async () => ({}), node };
  const csi: CsiRegistry = { get: (n) => (n === 'fake.csi' ? driver : undefined), names: () => ['fake.csi'], onChange() {} };
  return { csi, calls: () => calls };
}

/** The value of one series on the page, or undefined. */
const sample = (page: string, name: string, ns: string, claim: string) => {
  const line = page.split('\n').find((l) => l.startsWith(`${name}{namespace="${ns}",persistentvolumeclaim="${claim}"} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
};

test('statfs of a real directory: capacity = used + free, inodes likewise', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-vstats-'));
  try {
    const s = await statfsVolume(dir);
    assert.ok(s.capacityBytes > 0 && s.availableBytes > 0 && s.availableBytes <= s.capacityBytes);
    assert.ok(s.usedBytes >= 0 && s.usedBytes <= s.capacityBytes);
    assert.equal(s.inodesUsed, s.inodes - s.inodesFree);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('kubelet_volume_stats_*: statfs for a local claim, NodeGetVolumeStats for a CSI one, at most once a minute, gone with the volume', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-vstats-'));
  const r = new Registry();
  const drv = registry({ stats: true });
  let targets: StatsTarget[] = [
    { namespace: 'ns', claim: 'local-data', path: dir },
    { namespace: 'ns', claim: 'csi-data', csi: { driverName: 'fake.csi', volumeHandle: 'h', targetPath: join(dir, 'x') } },
    // A driver that is not registered: no series, no error.
    { namespace: 'ns', claim: 'orphan', csi: { driverName: 'gone.csi', volumeHandle: 'h', targetPath: '/nowhere' } },
  ];
  const c = new VolumeStatsCollector({ csi: drv.csi, targets: async () => targets, log: quiet, registry: r });
  try {
    const t0 = Date.now();
    await c.pass(t0);
    let page = r.render();
    const real = await statfsVolume(dir);
    assert.equal(sample(page, 'kubelet_volume_stats_capacity_bytes', 'ns', 'local-data'), real.capacityBytes);
    assert.equal(sample(page, 'kubelet_volume_stats_inodes', 'ns', 'local-data'), real.inodes);
    assert.ok(sample(page, 'kubelet_volume_stats_used_bytes', 'ns', 'local-data')! > 0);
    assert.equal(sample(page, 'kubelet_volume_stats_capacity_bytes', 'ns', 'csi-data'), 1000);
    assert.equal(sample(page, 'kubelet_volume_stats_available_bytes', 'ns', 'csi-data'), 600);
    assert.equal(sample(page, 'kubelet_volume_stats_used_bytes', 'ns', 'csi-data'), 400);
    assert.equal(sample(page, 'kubelet_volume_stats_inodes_free', 'ns', 'csi-data'), 90);
    assert.equal(sample(page, 'kubelet_volume_stats_inodes_used', 'ns', 'csi-data'), 10);
    assert.equal(sample(page, 'kubelet_volume_stats_health_status_abnormal', 'ns', 'csi-data'), 0);
    assert.equal(sample(page, 'kubelet_volume_stats_capacity_bytes', 'ns', 'orphan'), undefined);
    assert.match(page, /# TYPE kubelet_volume_stats_capacity_bytes gauge/);
    // Within the minute: not asked again; after it: asked again.
    await c.pass(t0 + 30_000);
    assert.equal(drv.calls(), 1);
    await c.pass(t0 + 61_000);
    assert.equal(drv.calls(), 2);
    assert.deepEqual(c.get('ns', 'csi-data')?.capacityBytes, 1000);
    // The pod went: its series go too.
    targets = targets.slice(0, 1);
    await c.pass(t0 + 62_000);
    page = r.render();
    assert.equal(sample(page, 'kubelet_volume_stats_capacity_bytes', 'ns', 'csi-data'), undefined);
    assert.ok(sample(page, 'kubelet_volume_stats_capacity_bytes', 'ns', 'local-data')! > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a driver without GET_VOLUME_STATS is not asked; a hung driver costs one call in flight and a deadline', async () => {
  const none = registry({ stats: false });
  const target: StatsTarget[] = [{ namespace: 'ns', claim: 'c', csi: { driverName: 'fake.csi', volumeHandle: 'h', targetPath: '/x' } }];
  await new VolumeStatsCollector({ csi: none.csi, targets: async () => target, log: quiet, registry: new Registry() }).pass();
  assert.equal(none.calls(), 0);
  const hung = registry({ stats: true, hang: true });
  const c = new VolumeStatsCollector({ csi: hung.csi, targets: async () => target, log: quiet, registry: new Registry(), callTimeoutMs: 50 });
  const t0 = Date.now();
  await c.pass(t0);
  assert.ok(Date.now() - t0 < 2000);
  assert.equal(hung.calls(), 1);
  assert.equal(c.get('ns', 'c'), undefined);
  // A minute later the first call still hangs: no second one joins it.
  await c.pass(t0 + 61_000);
  assert.equal(hung.calls(), 1);
});
