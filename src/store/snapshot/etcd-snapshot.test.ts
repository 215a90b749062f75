import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdMembers } from '../etcd/members.js';
import { verifySnapshot } from './format.js';
import { saveSnapshot } from './save.js';
import { etcdBinary, hangingMember, startEtcd, type EtcdProcess } from '../../../test/helpers/etcd.js';

if (!existsSync(etcdBinary())) {
  test('etcd snapshots', { skip: 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, () => {});
} else {
  let etcd: EtcdProcess;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  test('an etcd snapshot whose preferred member hangs comes from the next member, and says which', async () => {
    // The own member hangs (a listener that accepts and never answers, as a member frozen with SIGSTOP).
    const hang = await hangingMember();
    const own = hang.endpoint;
    const root = await mkdtemp(join(tmpdir(), 'gifee-etcd-snap-'));
    const members = new EtcdMembers([own, etcd.endpoints[0]], undefined, { callTimeoutMs: 1000, healthIntervalMs: 0 });
    try {
      await mkdir(join(root, 'data', 'pki'), { recursive: true });
      const t = Date.now();
      const { meta, file, member } = await saveSnapshot({ store: 'etcd', dataDir: join(root, 'data'), etcd: members, dir: join(root, 'snaps'), name: 'failover' });
      assert.equal(member, etcd.endpoints[0]);
      assert.ok(meta.revision >= 1);
      assert.ok(Date.now() - t < 5000, `took ${Date.now() - t} ms`);
      assert.equal((await verifySnapshot(file)).meta.name, 'failover');
    } finally {
      members.close();
      hang.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('an etcd snapshot with no member answering fails with the members tried', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gifee-etcd-snap-'));
    const members = new EtcdMembers(['127.0.0.1:1', '127.0.0.1:2'], undefined, { callTimeoutMs: 500, healthIntervalMs: 0 });
    try {
      await assert.rejects(saveSnapshot({ store: 'etcd', dataDir: root, etcd: members, dir: join(root, 'snaps'), name: 'none' }), /unavailable/i);
      assert.deepEqual(await readdir(join(root, 'snaps')), [], 'nothing left behind');
    } finally {
      members.close();
      await rm(root, { recursive: true, force: true });
    }
  });
}
