import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { UnavailableError } from '../types.js';
import { EtcdMembers } from './members.js';
import { etcdBinary, hangingMember, startEtcd, type EtcdProcess } from '../../../test/helpers/etcd.js';

if (!existsSync(etcdBinary())) {
  test('etcd members', { skip: 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, () => {});
} else {
  let etcd: EtcdProcess;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  const countOnly = (c: import('etcd3').Etcd3, o: { deadline: number }) => c.kv.range({ key: Buffer.from('/'), limit: 1, count_only: true }, o);
  const fast = { callTimeoutMs: 5000, healthIntervalMs: 100, healthTimeoutMs: 300, probeIntervalMs: 60_000 };

  test('members: an own member that starts hanging is found by the health check; the call waiting on it ends then, not at its deadline, and later calls skip it', async () => {
    // Two names for the one etcd: the own member and "another member".
    const own = etcd.endpoints[0];
    const other = own.replace(/^https?:\/\//, '');
    assert.notEqual(own, other);
    const hang = await hangingMember();
    const m = new EtcdMembers([own, other], undefined, fast);
    try {
      await m.start();
      assert.equal(m.pick(), own);
      // The own member freezes: its client now talks to a listener that never answers.
      (m as unknown as { clients: Map<string, unknown> }).clients.set(own, m.client(hang.endpoint));
      const t = Date.now();
      const r = await m.retrying(countOnly, 20_000);
      const first = Date.now() - t;
      assert.ok(Number(r.header.revision) >= 1);
      assert.ok(first < 2500, `the first call took ${first} ms (its deadline is 5000)`);
      assert.deepEqual(m.order(), [other, own], 'the own member is marked down');
      const t2 = Date.now();
      await m.call(countOnly);
      assert.ok(Date.now() - t2 < 1000, `a later call took ${Date.now() - t2} ms`);
    } finally {
      m.close();
      hang.close();
    }
  });

  test('members: a member that answers its health checks is never marked down', async () => {
    const own = etcd.endpoints[0];
    const m = new EtcdMembers([own, own.replace(/^https?:\/\//, '')], undefined, { ...fast, healthIntervalMs: 20 });
    try {
      await m.start();
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(m.order()[0], own);
      assert.equal((m as unknown as { down: Map<string, number> }).down.size, 0);
    } finally {
      m.close();
    }
  });

  test('members: a start with no member answering says which endpoints were tried', async () => {
    const m = new EtcdMembers(['127.0.0.1:1', '127.0.0.1:2'], undefined, { callTimeoutMs: 1000 });
    try {
      await assert.rejects(m.start(), (e: Error) => e instanceof UnavailableError && /tried 127\.0\.0\.1:1, 127\.0\.0\.1:2/.test(e.message));
    } finally {
      m.close();
    }
  });
}
