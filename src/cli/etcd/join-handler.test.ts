import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as httpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdMembers } from '../../store/etcd/members.js';
import { logger } from '../../util/log.js';
import { type JoinBundle, serverJoinHandler } from './join-handler.js';
import { etcdBinary, hangingMember, startEtcd, type EtcdProcess } from '../../../test/helpers/etcd.js';

if (!existsSync(etcdBinary())) {
  test('server join handler', { skip: 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, () => {});
} else {
  let etcd: EtcdProcess;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  test('a server joins through another member while the own member hangs: learner added, bundle sent', async () => {
    // The own member hangs (a listener that accepts and never answers, as a member frozen with SIGSTOP).
    const hang = await hangingMember();
    const own = hang.endpoint;
    const dataDir = await mkdtemp(join(tmpdir(), 'gifee-join-'));
    await mkdir(join(dataDir, 'pki'));
    await writeFile(join(dataDir, 'pki', 'ca.crt'), 'the CA');
    await writeFile(join(dataDir, 'pki', 'server.key'), 'this server only');
    const members = new EtcdMembers([own, etcd.endpoints[0]], undefined, { callTimeoutMs: 1000, healthIntervalMs: 0 });
    const secret = 'a'.repeat(64);
    const srv = httpServer(serverJoinHandler({ dataDir, secret, members, log: logger('test') }));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const peerUrl = 'https://127.0.0.1:1';
      const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/gifee/v1/server-join`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: JSON.stringify({ name: 'joiner-1', peerUrl }) });
      const body = (await res.json()) as JoinBundle & { error?: string };
      assert.equal(res.status, 200, body.error);
      assert.match(body.initialCluster, /joiner-1=https:\/\/127\.0\.0\.1:1/);
      assert.deepEqual(Object.keys(body.pki), ['ca.crt'], "this server's own key stays");
      assert.equal(members.pick(), etcd.endpoints[0], 'the hanging own member is marked down');
      // The learner is in the cluster (and is removed again: the shared etcd stays a cluster of one).
      const list = await members.call((c, o) => c.cluster.memberList({}, o));
      const learner = list.members.find((m) => m.peerURLs.includes(peerUrl));
      assert.equal(learner?.isLearner, true);
      await members.call((c, o) => c.cluster.memberRemove({ ID: learner!.ID }, o));
    } finally {
      srv.close();
      members.close();
      hang.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
