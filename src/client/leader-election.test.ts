// Leader election against a real API server: two candidates, one leader at a time; a stopped leader
// hands over at once (release), a vanished one within the lease duration.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../../test/helpers/cluster.js';
import { clientConfigFromKubeconfig } from './kubeconfig.js';
import { logger } from '../util/log.js';
import { LeaderElector } from './leader-election.js';
import { R } from './resources.js';
import { RestClient } from './rest.js';

const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

async function until(what: string, ms: number, fn: () => boolean | Promise<boolean>) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out after ${ms}ms waiting for ${what}`);
}

describe('leader election', () => {
  let cluster: Cluster;
  let client: RestClient;
  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    client = new RestClient(await clientConfigFromKubeconfig(cluster.kubeconfig));
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  function candidate(name: string, identity: string, events: string[], log = logger('test')) {
    let leadingNow = 0;
    const e = new LeaderElector({
      client,
      namespace: 'kube-system',
      name,
      identity,
      ...timing,
      log,
      onStartedLeading: () => {
        leadingNow++;
        events.push(`${identity}+`);
      },
      onStoppedLeading: () => {
        leadingNow--;
        events.push(`${identity}-`);
      },
    });
    return { e, leadingNow: () => leadingNow };
  }

  it('elects one leader, and a stopped leader hands over at once', async () => {
    const events: string[] = [];
    const a = candidate('le-handover', 'a', events);
    const b = candidate('le-handover', 'b', events);
    a.e.start();
    await until('a leads', 5000, () => a.e.isLeader());
    b.e.start();
    // b keeps campaigning for well over a lease duration without ever leading while a renews.
    const watchFor = Date.now() + timing.leaseDurationMs * 1.5;
    while (Date.now() < watchFor) {
      assert.equal(b.e.isLeader(), false, 'b must not lead while a renews');
      assert.equal(a.e.isLeader(), true);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(b.e.leader(), 'a');
    await a.e.stop();
    const released = (await client.get(R.leases, 'kube-system', 'le-handover')) as { spec: { holderIdentity?: string } };
    assert.equal(released.spec.holderIdentity ?? '', '', 'a released the lease on stop');
    // How fast is the fake-clock test's business (leader-election-clock.test.ts); here, on a real
    // server and a machine that may be loaded, what matters is that b took the released lease and
    // did not wait for it to expire.
    await until('b leads', 30_000, () => b.e.isLeader());
    assert.equal(b.e.lastAcquisition(), 'released');
    const lease = (await client.get(R.leases, 'kube-system', 'le-handover')) as { spec: { holderIdentity: string; leaseTransitions: number; leaseDurationSeconds: number } };
    assert.equal(lease.spec.holderIdentity, 'b');
    assert.equal(lease.spec.leaseTransitions, 1, 'one change of holder: a to b');
    assert.equal(lease.spec.leaseDurationSeconds, 3);
    await b.e.stop();
    assert.deepEqual(events, ['a+', 'a-', 'b+', 'b-']);
  });

  it('takes over from a leader that vanished without releasing, after the lease duration', async () => {
    const events: string[] = [];
    // A leader that died: its lease stays, renewed a moment ago, never released.
    const now = new Date().toISOString().replace(/Z$/, '000Z');
    await client.create(R.leases, 'kube-system', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'le-crash', namespace: 'kube-system' }, spec: { holderIdentity: 'dead', leaseDurationSeconds: 3, acquireTime: now, renewTime: now, leaseTransitions: 4 } });
    const b = candidate('le-crash', 'b', events);
    const started = Date.now();
    b.e.start();
    await until('b leads', 30_000, () => b.e.isLeader());
    // A lower bound only: a slow machine can delay the takeover, never hasten it.
    const took = Date.now() - started;
    assert.ok(took >= 3000, `took over after ${took}ms, before the dead leader's lease expired`);
    assert.equal(b.e.lastAcquisition(), 'expired');
    const lease = (await client.get(R.leases, 'kube-system', 'le-crash')) as { spec: { holderIdentity: string; leaseTransitions: number } };
    assert.equal(lease.spec.holderIdentity, 'b');
    assert.equal(lease.spec.leaseTransitions, 5);
    await b.e.stop();
  });

  it('stops leading when another candidate took the lease', async () => {
    const events: string[] = [];
    const a = candidate('le-stolen', 'a', events);
    a.e.start();
    await until('a leads', 5000, () => a.e.isLeader());
    // Someone overwrote the lease (e.g. a partitioned leader's writes lost): a must step down.
    const lease = (await client.get(R.leases, 'kube-system', 'le-stolen')) as { spec: Record<string, unknown> };
    await client.update(R.leases, { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: new Date().toISOString().replace(/Z$/, '000Z') } } as never);
    await until('a steps down', timing.retryPeriodMs * 3 + 1000, () => !a.e.isLeader());
    assert.deepEqual(events, ['a+', 'a-']);
    await a.e.stop();
  });

  it('rejects timings that cannot work', () => {
    assert.throws(() => new LeaderElector({ client, namespace: 'x', name: 'y', identity: 'z', leaseDurationMs: 1000, renewDeadlineMs: 2000, log: logger('t'), onStartedLeading() {}, onStoppedLeading() {} }), /leaseDuration/);
  });
});
