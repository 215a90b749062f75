// The store-backed allocator on both backends: requested and random values, the range's edges,
// exhaustion, release, concurrency within one server and between two (two allocators over one
// store, as two API servers on one etcd), and a restart (a new allocator sees what is stored).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../store/index.js';
import { etcdBinary, startEtcd, type EtcdProcess } from '../../../test/helpers/etcd.js';
import { type AllocationError, StoreAllocator } from './allocator.js';
import { nodePortRange, reservedBand, serviceIPRange } from './ranges.js';

const owner = (name: string) => ({ namespace: 'default', name, uid: `uid-${name}` });

test('service CIDR range: network and broadcast addresses are not ClusterIPs', () => {
  const r = serviceIPRange('10.43.0.0/16');
  assert.equal(r.size, 65534);
  assert.equal(r.valueAt(0), '10.43.0.1');
  assert.equal(r.valueAt(r.size - 1), '10.43.255.254');
  assert.equal(r.offsetOf('10.43.0.0'), undefined);
  assert.equal(r.offsetOf('10.43.255.255'), undefined);
  assert.equal(r.offsetOf('10.44.0.1'), undefined);
  assert.equal(r.offsetOf('not-an-ip'), undefined);
  assert.equal(r.offsetOf('10.43.1.0'), 255);
  assert.equal(serviceIPRange('10.43.7.9/16').display, '10.43.0.0/16');
  assert.throws(() => serviceIPRange('fd00::/108'), /IPv6/);
  assert.throws(() => serviceIPRange('10.43.0.0'), /not an IPv4 CIDR/);
  assert.throws(() => serviceIPRange('10.0.0.0/8'), /too large/);
  assert.equal(reservedBand(r), 256);
  assert.equal(reservedBand(serviceIPRange('10.43.0.0/24')), 16);
  assert.equal(reservedBand(serviceIPRange('10.43.0.0/29')), 0);
});

test('node port range: both spellings, bad ones refused', () => {
  const r = nodePortRange('30000-32767');
  assert.equal(r.size, 2768);
  assert.equal(r.offsetOf('30000'), 0);
  assert.equal(r.offsetOf('32767'), 2767);
  assert.equal(r.offsetOf('32768'), undefined);
  assert.equal(r.offsetOf('29999'), undefined);
  assert.equal(nodePortRange('30000+767').max, 30767);
  assert.throws(() => nodePortRange('32767-30000'), /low to high/);
  assert.throws(() => nodePortRange('abc'), /not a port range/);
  assert.equal(reservedBand(r), 86);
});

type Opened = { store: Store; second: () => Promise<Store>; close: () => Promise<void> };
const backends: Record<string, { skip?: string; open: () => Promise<Opened> }> = {
  sqlite: {
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gifee-alloc-'));
      const store = await openStore({ backend: 'sqlite', dataDir: dir });
      // One SQLite file has one writer: a "second server" is a second allocator over the same store.
      return {
        store,
        second: async () => store,
        close: async () => {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  etcd: {
    skip: existsSync(etcdBinary()) ? undefined : 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)',
    open: async () => {
      const etcd: EtcdProcess = await startEtcd();
      const opened: Store[] = [];
      const open = async () => {
        const s = await openStore({ backend: 'etcd', etcdEndpoints: etcd.endpoints });
        opened.push(s);
        return s;
      };
      const store = await open();
      return {
        store,
        second: open,
        close: async () => {
          for (const s of opened) await s.close();
          await etcd.stop();
        },
      };
    },
  },
};

for (const [backend, { skip, open }] of Object.entries(backends)) {
  describe(`store allocator [${backend}]`, { skip }, () => {
    let o: Opened;
    let n = 0;
    // Each test its own range, so tests cannot see each other's keys.
    const ipRange = (prefix: number) => ({ ...serviceIPRange(`10.${100 + ++n}.0.0/${prefix}`), kind: `serviceips${n}` });
    before(async () => {
      o = await open();
    });
    after(async () => {
      await o?.close();
    });

    test('a requested IP: taken once, idempotent for its owner, refused to others, freed by release', async () => {
      const a = new StoreAllocator(o.store, ipRange(24));
      const ip = a.range.valueAt(4);
      await a.allocate(ip, owner('a'));
      await a.allocate(ip, owner('a'));
      await assert.rejects(a.allocate(ip, owner('b')), (e: AllocationError) => e.reason === 'Allocated' && e.message === 'provided IP is already allocated');
      assert.equal(await a.release(ip, owner('b')), false, 'only the owner releases');
      assert.equal(await a.release(ip, owner('a')), true);
      await a.allocate(ip, owner('b'));
      assert.equal((await a.get(ip))?.owner.name, 'b');
    });

    test("out of range values are refused with Kubernetes' wording", async () => {
      const a = new StoreAllocator(o.store, ipRange(24));
      const base = a.range.display.split('/')[0];
      const broadcast = base.replace(/\.0$/, '.255');
      await assert.rejects(a.allocate(broadcast, owner('a')), (e: AllocationError) => e.reason === 'NotInRange' && e.message === `the provided IP (${broadcast}) is not in the valid range. The range of valid IPs is ${a.range.display}`);
      await assert.rejects(a.allocate('192.168.0.1', owner('a')), /not in the valid range/);
      const ports = new StoreAllocator(o.store, { ...nodePortRange('30000-30009'), kind: `ports${++n}` });
      await assert.rejects(ports.allocate('30010', owner('a')), (e: AllocationError) => e.message === 'provided port is not in the valid range. The range of valid ports is 30000-30009');
      await ports.allocate('30009', owner('a'));
      await assert.rejects(ports.allocate('30009', owner('b')), (e: AllocationError) => e.message === 'provided port is already allocated');
    });

    test('random allocation fills a small range exactly, then says it is full; a release makes room', async () => {
      const a = new StoreAllocator(o.store, ipRange(29)); // 6 addresses
      const got = new Set<string>();
      for (let i = 0; i < 6; i++) got.add(await a.allocateNext(owner(`s${i}`)));
      assert.equal(got.size, 6);
      await assert.rejects(a.allocateNext(owner('x')), (e: AllocationError) => e.reason === 'Full' && e.message === 'range is full');
      const one = [...got][2];
      await a.release(one);
      assert.equal(await a.allocateNext(owner('y')), one);
    });

    test('random allocation avoids the reserved low band while the upper one has room', async () => {
      const a = new StoreAllocator(o.store, ipRange(24));
      for (let i = 0; i < 40; i++) {
        const ip = await a.allocateNext(owner(`r${i}`));
        assert.ok(a.range.offsetOf(ip)! >= 16, `${ip} is in the reserved band`);
      }
    });

    test('concurrent allocations, in one server and across two, never hand out a value twice', async () => {
      const range = ipRange(27); // 30 addresses
      const a = new StoreAllocator(o.store, range);
      const b = new StoreAllocator(await o.second(), range);
      const results = await Promise.allSettled(Array.from({ length: 36 }, (_, i) => (i % 2 ? a : b).allocateNext(owner(`c${i}`))));
      const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<string>).value);
      const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      assert.equal(ok.length, 30, 'every address handed out once');
      assert.equal(new Set(ok).size, 30);
      assert.equal(failed.length, 6);
      for (const f of failed) assert.equal((f.reason as AllocationError).reason, 'Full');
      // The same requested value raced by many owners: exactly one wins.
      const ports = { ...nodePortRange('30000-30099'), kind: `ports${++n}` };
      const pa = new StoreAllocator(o.store, ports);
      const pb = new StoreAllocator(await o.second(), ports);
      const race = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => (i % 2 ? pa : pb).allocate('30080', owner(`p${i}`))));
      assert.equal(race.filter((r) => r.status === 'fulfilled').length, 1);
    });

    test('a new allocator (a restarted server) sees what is stored', async () => {
      const range = ipRange(24);
      const a = new StoreAllocator(o.store, range);
      const ip = await a.allocateNext(owner('keep'));
      const restarted = new StoreAllocator(await o.second(), range);
      await assert.rejects(restarted.allocate(ip, owner('other')), /already allocated/);
      assert.deepEqual(
        (await restarted.list()).map((x) => [x.value, x.owner.name]),
        [[ip, 'keep']],
      );
    });
  });
}
