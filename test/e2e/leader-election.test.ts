// Two controller managers against one API server: only the holder of the Lease
// kube-system/gifee-controller-manager runs controllers (seen through node IPAM, the Lease holder
// and each manager's logs); when the leader is killed -9 the standby takes over once the lease
// expired, and when a leader stops cleanly it releases the lease and the standby takes the released
// lease (each takeover's kind is in the new leader's log, so nothing here depends on the load).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { etcdAvailable } from '../helpers/backends.js';
import { startEtcd } from '../helpers/etcd.js';
import { clientConfigFromKubeconfig } from '../../src/client/kubeconfig.js';
import { startControllerManager } from '../../src/controllers/manager.js';
import type { Logger } from '../../src/util/log.js';

const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 };

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out after ${ms}ms waiting for ${what}`);
}

/** A logger that keeps what it is told, so the test can see what each manager did. */
function captureLogger(lines: string[], base: Record<string, unknown> = {}): Logger {
  const emit = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push(JSON.stringify({ level, msg, at: Date.now(), ...base, ...fields }));
  return { debug: () => {}, info: emit('info'), warn: emit('warn'), error: emit('error'), child: (f) => captureLogger(lines, { ...base, ...f }) };
}

describe('controller manager leader election', () => {
  let cluster: Cluster;
  let creds: { server: string; ca: string; cert: string; key: string };
  let child: ChildProcess | undefined;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    const c = await clientConfigFromKubeconfig(cluster.kubeconfig);
    creds = { server: c.server, ca: c.ca, cert: c.cert!, key: c.key! };
  });
  after(async () => {
    child?.kill('SIGKILL');
    for (const s of stops) await s().catch(() => undefined);
    await cluster?.stop();
  });

  const holder = async () => (await cluster.kubectl(['get', 'lease', '-n', 'kube-system', 'gifee-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
  const podCIDR = async (node: string) => (await cluster.kubectl(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDR}'])).stdout;
  const createNode = (name: string) => cluster.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) });

  async function inProcess(identity: string, lines: string[]) {
    const cm = await startControllerManager({ ...creds, log: captureLogger(lines), leaderElection: { identity, ...timing } });
    stops.push(() => cm.stop());
    return cm;
  }

  it('only the leader acts; a killed leader is replaced within the lease duration; a stopped one at once', async () => {
    // Manager A in its own process, so it can be killed -9 without releasing anything.
    const code = `import { startControllerManager } from ${JSON.stringify(join(process.cwd(), 'src/controllers/manager.ts'))};
      await startControllerManager({ ...JSON.parse(process.env.CM_CREDS), leaderElection: { identity: 'cm-a', ...JSON.parse(process.env.CM_TIMING) } });
      setInterval(() => {}, 1 << 30);`;
    child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIFEE_LOG: 'info', CM_CREDS: JSON.stringify(creds), CM_TIMING: JSON.stringify(timing) } });
    let aLog = '';
    child.stderr!.on('data', (d) => (aLog += d));
    child.stdout!.on('data', (d) => (aLog += d));
    await until('cm-a to lead', 15_000, async () => (await holder()) === 'cm-a');

    const bLines: string[] = [];
    await inProcess('cm-b', bLines);
    await createNode('node-1');
    const cidr1 = await until('node-1 podCIDR', 10_000, () => podCIDR('node-1'));
    // Its log comes through a pipe, which may lag behind the API: wait for the line, then check it.
    await until("the leader's log of the assignment", 10_000, async () => /"msg":"assigned node CIDR".*"node":"node-1"/.test(aLog));
    await new Promise((r) => setTimeout(r, timing.leaseDurationMs));
    assert.equal(await holder(), 'cm-a');
    assert.ok(!bLines.some((l) => l.includes('controllers started')), 'the standby runs no controllers');
    assert.ok(!bLines.some((l) => l.includes('assigned node CIDR')), 'the standby assigned nothing');

    // Kill the leader: the standby takes over once the lease (3s, by its own clock) ran out — never
    // sooner (a lower bound holds on a loaded machine; an upper one would only measure the load).
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await until('cm-b to lead', 60_000, async () => (await holder()) === 'cm-b');
    const became = bLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'became leader');
    assert.equal(became.from, 'expired');
    assert.ok(became.at - killedAt >= timing.leaseDurationMs - 500, `failover after ${became.at - killedAt}ms, before the lease expired`);
    assert.ok(bLines.some((l) => l.includes('controllers started')));
    await createNode('node-2');
    const cidr2 = await until('node-2 podCIDR', 10_000, () => podCIDR('node-2'));
    assert.notEqual(cidr2, cidr1, 'the new leader rebuilt the allocation from existing nodes');
    // The new leader logs the assignment once its write is answered, which kubectl may see first.
    await until("the new leader's log of the assignment", 10_000, async () => bLines.some((l) => /"msg":"assigned node CIDR".*"node":"node-2"/.test(l)));

    // A clean stop releases the lease: a third manager takes over within a few retry periods.
    const cLines: string[] = [];
    await inProcess('cm-c', cLines);
    const stopB = stops[0];
    await stopB();
    // cm-c took the lease because cm-b released it, not because it expired: that is the handover.
    await until('cm-c to lead', 60_000, async () => (await holder()) === 'cm-c');
    await until("cm-c's log of leading", 10_000, async () => cLines.some((l) => l.includes('became leader')));
    assert.equal(cLines.map((l) => JSON.parse(l)).find((l) => l.msg === 'became leader').from, 'released');
    assert.ok(bLines.some((l) => l.includes('controllers stopped')));
    assert.ok(bLines.some((l) => l.includes('released leadership')));
    const lease = JSON.parse((await cluster.kubectl(['get', 'lease', '-n', 'kube-system', 'gifee-controller-manager', '-o', 'json'])).stdout);
    assert.equal(lease.spec.leaseTransitions, 2, 'cm-a -> cm-b -> cm-c');
    await createNode('node-3');
    await until('node-3 podCIDR', 10_000, () => podCIDR('node-3'));
    await until("cm-c's log of the assignment", 10_000, async () => cLines.some((l) => /"msg":"assigned node CIDR".*"node":"node-3"/.test(l)));
  });

  it("gifee server's own manager holds the lease under a restart-stable identity and reports it in /metrics", async () => {
    const own = await startCluster();
    try {
      const port = new URL(own.url).port;
      const lease = await until('the manager lease', 60_000, async () => {
        const r = await own.kubectl(['get', 'lease', '-n', 'kube-system', 'gifee-controller-manager', '-o', 'json'], { allowFail: true });
        return r.code === 0 && JSON.parse(r.stdout);
      });
      assert.equal(lease.spec.holderIdentity, `${hostname()}_${port}`);
      assert.equal(lease.spec.leaseDurationSeconds, 15);
      const m = await own.request('GET', '/metrics');
      assert.match(m.body, /leader_election_master_status\{name="kube-system\/gifee-controller-manager"\} 1/);
    } finally {
      await own.stop();
    }
  });

  // Two whole control planes on one etcd: each server runs its own controller manager, yet only the
  // one holding the lease acts; stopping it hands the controllers to the other at once.
  it('two gifee servers sharing one etcd: one manager acts, the other takes over when it stops', { skip: etcdAvailable() ? false : 'etcd not installed' }, async () => {
    const etcd = await startEtcd();
    const servers: Cluster[] = [];
    try {
      servers.push(await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints }));
      servers.push(await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints }));
      const [one, two] = servers;
      const idOf = (c: Cluster) => `${hostname()}_${new URL(c.url).port}`;
      const holderOn = async (c: Cluster) => (await c.kubectl(['get', 'lease', '-n', 'kube-system', 'gifee-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
      const leaderId = await until('a leader', 10_000, async () => holderOn(one));
      assert.ok([idOf(one), idOf(two)].includes(leaderId), leaderId);
      const [leader, standby] = leaderId === idOf(one) ? [one, two] : [two, one];
      assert.equal(await holderOn(standby), leaderId, 'both servers see the same lease');

      const createNode = (c: Cluster, name: string) => c.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) });
      const cidrOf = (c: Cluster, name: string) => c.kubectl(['get', 'node', name, '-o', 'jsonpath={.spec.podCIDR}']).then((r) => r.stdout);
      await createNode(standby, 'ha-1');
      await until('ha-1 podCIDR', 10_000, () => cidrOf(standby, 'ha-1'));
      assert.match(leader.logs(), /"msg":"assigned node CIDR".*"node":"ha-1"/);
      assert.doesNotMatch(standby.logs(), /assigned node CIDR/);
      assert.doesNotMatch(standby.logs(), /controllers started/);

      // A clean stop releases the lease: the standby's manager starts its controllers within seconds.
      const stoppedAt = Date.now();
      await leader.stop();
      servers.splice(servers.indexOf(leader), 1);
      await until('the standby to lead', 10_000, async () => (await holderOn(standby)) === idOf(standby));
      assert.ok(Date.now() - stoppedAt < 10_000);
      await until('controllers started on the standby', 5000, async () => /controllers started/.test(standby.logs()));
      await createNode(standby, 'ha-2');
      const cidr2 = await until('ha-2 podCIDR', 10_000, () => cidrOf(standby, 'ha-2'));
      assert.notEqual(cidr2, await cidrOf(standby, 'ha-1'));
      assert.match(standby.logs(), /"msg":"assigned node CIDR".*"node":"ha-2"/);
    } finally {
      for (const c of servers) await c.stop();
      await etcd.stop();
    }
  });
});
