import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskUsage } from './disk-usage.js';
import { localStorageViolation, type LocalStorageLimits } from './local-storage.js';
import { EvictionManager, type EvictablePod } from './manager.js';
import type { Logger } from '../../util/log.js';

const MI = 1024 ** 2;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
/** Made-up usage by path. */
const usageOf = (u: Record<string, number>) => async (paths: string[]) => ({ bytes: paths.reduce((s, p) => s + (u[p] ?? 0), 0), inodes: 0 });

const limits = (o: Partial<LocalStorageLimits> = {}): LocalStorageLimits => ({ emptyDirs: [], containers: [{ name: 'app', writableLayer: '/layer', logDir: '/logs/app' }], podPaths: ['/pod', '/logs'], ...o });

test('the kubelet’s decision and messages: emptyDir over its sizeLimit, then the pod total, then one container', async () => {
  const cache = { name: 'cache', path: '/pod/volumes/empty-dir/cache', sizeLimit: '1Mi' };
  const table: [string, LocalStorageLimits, Record<string, number>, string | undefined][] = [
    ['emptyDir under its limit', limits({ emptyDirs: [cache] }), { [cache.path]: MI }, undefined],
    ['emptyDir over its limit', limits({ emptyDirs: [cache] }), { [cache.path]: MI + 4096 }, 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". '],
    ['a bad sizeLimit is no limit', limits({ emptyDirs: [{ ...cache, sizeLimit: 'lots' }] }), { [cache.path]: 10 * MI }, undefined],
    [
      'pod total over the sum of limits',
      limits({
        containers: [
          { name: 'a', ephemeralLimit: '2Mi', writableLayer: '/la' },
          { name: 'b', ephemeralLimit: '1Mi', writableLayer: '/lb' },
        ],
      }),
      { '/pod': 2 * MI, '/la': MI, '/lb': 512 * 1024 },
      'Pod ephemeral local storage usage exceeds the total limit of containers 3Mi. ',
    ],
    [
      'one container over its own limit (layer + logs)',
      limits({
        containers: [
          { name: 'a', ephemeralLimit: '2Mi', writableLayer: '/la', logDir: '/lg' },
          { name: 'b', ephemeralLimit: '8Mi' },
        ],
      }),
      { '/la': MI, '/lg': MI + 1 },
      'Container a exceeded its local ephemeral storage limit "2Mi". ',
    ],
    ['within every limit', limits({ emptyDirs: [cache], containers: [{ name: 'a', ephemeralLimit: '2Mi', writableLayer: '/la' }] }), { '/la': MI, [cache.path]: 1000 }, undefined],
  ];
  for (const [what, l, u, want] of table) assert.equal(await localStorageViolation(l, usageOf(u)), want, what);
  // Unknown usage never evicts.
  assert.equal(await localStorageViolation(limits({ emptyDirs: [cache] }), async () => undefined), undefined);
});

test('measured for real: a directory past a small sizeLimit', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-local-storage-'));
  try {
    await mkdir(join(dir, 'cache'));
    await writeFile(join(dir, 'cache', 'f'), Buffer.alloc(2 * MI, 1));
    const l = limits({ emptyDirs: [{ name: 'cache', path: join(dir, 'cache'), sizeLimit: '1Mi' }] });
    assert.equal(await localStorageViolation(l, (p) => diskUsage(p)), 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ');
    assert.equal(await localStorageViolation({ ...l, emptyDirs: [{ ...l.emptyDirs[0], sizeLimit: '4Mi' }] }, (p) => diskUsage(p)), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the eviction manager evicts every pod past its limits, without node pressure and before it, never a critical one', async () => {
  const over = (uid: string, critical = false): EvictablePod => ({ uid, name: `ns/${uid}`, priority: 0, critical, containers: [{ name: 'c', memoryRequest: 0 }], localStorage: limits({ emptyDirs: [{ name: 'cache', path: `/${uid}/cache`, sizeLimit: '1Mi' }] }) });
  const pods = [over('a'), over('b'), over('crit', true), { uid: 'plain', name: 'ns/plain', priority: 0, critical: false, containers: [{ name: 'c', memoryRequest: 0 }] }];
  const evicted: { uid: string; message: string; grace: number }[] = [];
  const m = new EvictionManager({
    thresholds: [],
    transitionMs: 1000,
    stats: { node: async () => ({}), containerMemory: async () => undefined, podProcesses: async () => undefined, diskUsage: usageOf({ '/a/cache': 2 * MI, '/b/cache': 2 * MI, '/crit/cache': 2 * MI }) },
    pods: { activePods: () => pods, evict: (uid, message, grace) => void evicted.push({ uid, message, grace }) },
    onPressure() {},
    log: quiet,
  });
  assert.equal(await m.tick(), 'a');
  assert.deepEqual(
    evicted.map((e) => e.uid),
    ['a', 'b'],
  );
  assert.equal(evicted[0].message, 'Usage of EmptyDir volume "cache" exceeds the limit "1Mi". ');
  assert.equal(evicted[0].grace, 1);
});

test('a pod with many files is walked once a minute, not every interval', async () => {
  const pod: EvictablePod = { uid: 'big', name: 'ns/big', priority: 0, critical: false, containers: [{ name: 'c', memoryRequest: 0 }], localStorage: limits({ emptyDirs: [{ name: 'cache', path: '/big/cache', sizeLimit: '1Gi' }] }) };
  let walks = 0;
  const m = new EvictionManager({
    thresholds: [],
    transitionMs: 1000,
    stats: {
      node: async () => ({}),
      containerMemory: async () => undefined,
      podProcesses: async () => undefined,
      diskUsage: async () => {
        walks++;
        return { bytes: MI, inodes: 50_000 };
      },
    },
    pods: { activePods: () => [pod], evict() {} },
    onPressure() {},
    log: quiet,
  });
  const t0 = Date.now();
  await m.tick(t0);
  await m.tick(t0 + 10_000);
  assert.equal(walks, 1);
  await m.tick(t0 + 61_000);
  assert.equal(walks, 2);
});
