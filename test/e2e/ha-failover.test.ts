// HA under a kill -9 (issue 16): three `gifee server`s form one managed etcd cluster on loopback (the
// first with --cluster-init, two joining with its server token; distinct API, etcd client and peer
// ports on 127.0.0.1). A steady, bounded stream of ConfigMap creates goes to the live servers; the
// server whose member leads etcd is killed with SIGKILL (its etcd dies with it through pdeathsig).
// Writes go on through the other two, no acknowledged write is lost, the kubernetes Endpoints follow
// the live servers' leases, a Deployment created after the kill gets its ReplicaSet (the controller
// manager fails over), and `gifee etcd remove` takes the dead server's member out (3 voters → 2).
//
// The Endpoints check is limited: every server is on 127.0.0.1 and only distinct ports tell them
// apart, and the Endpoints carry one port (the one most servers use, ties: the lowest; see
// docs/apiserver-endpoints.md), so they name the live server with the lowest port. The founder gets
// the lowest port and usually leads etcd, so the port normally changes; distinct addresses on one
// port would make the controller managers' leader identities (host name and port) collide.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { startCluster, cliCommand, freePort, repoRoot, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

const LEASE_MS = 3000;
const env = { GIFEE_APISERVER_LEASE_DURATION_MS: String(LEASE_MS), GIFEE_APISERVER_LEASE_RENEW_MS: '300' };
const BEFORE_KILL = 15;
const AFTER_KILL = 25;

interface Server {
  c: Cluster;
  port: number;
  clientPort: number;
  dead: boolean;
}
const servers: Server[] = [];

const gifee = (args: string[]) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 60_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const live = () => servers.filter((s) => !s.dead);
const logs = () => servers.map((s, i) => `--- server ${i}${s.dead ? ' (killed)' : ''}\n${s.c.logs().slice(-2000)}`).join('\n');

before(async () => {
  const ports = (await Promise.all([freePort(), freePort(), freePort()])).sort((a, b) => a - b);
  const start = async (port: number, first?: Cluster) => {
    const clientPort = await freePort();
    const etcdPorts = ['--etcd-client-port', String(clientPort), '--etcd-peer-port', String(await freePort())];
    const how = first ? ['--server', first.url, '--token-file', join(first.dataDir, 'server-token')] : ['--cluster-init'];
    servers.push({ c: await startCluster({ port, env, extraArgs: [...how, ...etcdPorts] }), port, clientPort, dead: false });
  };
  await start(ports[0]);
  await start(ports[1], servers[0].c);
  await start(ports[2], servers[0].c);
});
after(async () => {
  // Joined servers first, the founder last (as in managed-etcd.test.ts).
  for (const s of [...servers].reverse()) await s.c.stop();
});

/** Creates ConfigMap `name` through one server, bounded by a timeout: true when the API answered 201. */
async function create(s: Server, name: string): Promise<boolean> {
  const req = s.c.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { n: name } });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), 10_000)));
  try {
    return await Promise.race([req.then((r) => r.status === 201), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const acknowledged: string[] = [];
const ackTimes: number[] = [];
let seq = 0;
const failedAt: number[] = [];
/** Writes one after another, round-robin over the live servers, until `done()` (bounded in attempts). */
async function writeUntil(done: () => boolean, what: string): Promise<void> {
  for (let attempts = 0; !done(); attempts++) {
    assert.ok(attempts < 2000, `${what}: not done after ${attempts} attempts (${acknowledged.length} acknowledged)\n${logs()}`);
    const targets = live();
    const name = `w-${seq++}`;
    if (await create(targets[seq % targets.length], name)) {
      acknowledged.push(name);
      ackTimes.push(Date.now());
    } else {
      failedAt.push(Date.now());
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const members = async (s: Server) => {
  const r = await gifee(['etcd', 'members', '--data-dir', s.c.dataDir, '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out).items as { name: string; id: string; clientURLs: string[]; role: string; leader: boolean }[];
};
const cmHolder = async (s: Server) => (await s.c.kubectl(['get', 'lease', '-n', 'kube-system', 'gifee-controller-manager', '-o', 'jsonpath={.spec.holderIdentity}'])).stdout;
const endpoints = async (s: Server) => (await s.c.kubectl(['get', 'endpoints', 'kubernetes', '-o', 'jsonpath={range .subsets[*]}{range .addresses[*]}{.ip}{","}{end}{":"}{.ports[0].port}{end}'])).stdout;
const idOf = (s: Server) => `${hostname()}_${s.port}`;

let killed: Server;
let killedMember: string;

test('three servers form one etcd cluster of three voters with one leader', async () => {
  const list = await members(servers[2]);
  assert.equal(list.length, 3, JSON.stringify(list));
  assert.deepEqual(
    list.map((m) => m.role),
    ['voter', 'voter', 'voter'],
  );
  assert.equal(list.filter((m) => m.leader).length, 1);
  await until('the kubernetes Endpoints to name the lowest port', async () => (await endpoints(servers[1])) === `127.0.0.1,:${servers[0].port}`, { context: async () => endpoints(servers[1]) });
  await until('a controller manager to lead', async () => servers.map(idOf).includes(await cmHolder(servers[0])));
});

test('kill -9 of the etcd leader under write load: writes go on, nothing acknowledged is lost, controllers fail over', async () => {
  const leader = (await members(servers[0])).find((m) => m.leader)!;
  killed = servers.find((s) => leader.clientURLs.includes(`https://127.0.0.1:${s.clientPort}`))!;
  assert.ok(killed, `the leader ${JSON.stringify(leader)} is one of the servers`);
  killedMember = leader.name;
  const holderBefore = await cmHolder(servers[0]);
  const etcdPid = Number((await readFile(join(killed.c.dataDir, 'etcd', 'etcd.pid'), 'utf8')).trim());
  assert.ok(alive(etcdPid));

  // The load runs on its own while the server is killed: BEFORE_KILL writes, the kill, AFTER_KILL more.
  let killedAt = Number.POSITIVE_INFINITY;
  const load = writeUntil(() => ackTimes.filter((t) => t > killedAt).length >= AFTER_KILL, `${AFTER_KILL} writes after the kill`);
  await until(`${BEFORE_KILL} writes before the kill`, async () => acknowledged.length >= BEFORE_KILL, { intervalMs: 20 });
  const from = acknowledged.length;
  killedAt = Date.now();
  process.kill(killed.c.pid, 'SIGKILL');
  killed.dead = true;
  await until("the killed server's etcd to die with it (pdeathsig)", async () => !alive(etcdPid), { timeoutMs: 15_000 });
  await load;
  // For information only: how long no write was acknowledged around the kill.
  const gaps = ackTimes.slice(from - 1).map((t, i, a) => (i ? t - a[i - 1] : 0));
  const lowest = Math.min(...servers.map((x) => x.port)) === killed.port;
  console.log(
    `# write unavailability: longest gap between acknowledged writes around the kill ${Math.max(...gaps)} ms; ${failedAt.filter((t) => t >= killedAt).length} writes failed after it; killed: port ${killed.port}${lowest ? ' (the lowest)' : ''}, etcd member ${killedMember}; controller manager lease held before by ${holderBefore}`,
  );

  // Every acknowledged write, read back through each survivor (one list each).
  for (const s of live()) {
    const names = new Set(JSON.parse((await s.c.kubectl(['get', 'configmaps', '-o', 'json'])).stdout).items.map((o: { metadata: { name: string } }) => o.metadata.name));
    const lost = acknowledged.filter((n) => !names.has(n));
    assert.deepEqual(lost, [], `acknowledged but missing through the server on port ${s.port}`);
  }
  assert.ok(acknowledged.length >= BEFORE_KILL + AFTER_KILL);

  // A new etcd leader among the survivors.
  await until('a surviving etcd leader', async () => (await members(live()[0])).some((m) => m.leader && m.name !== killedMember));

  // Leader-elected controllers: a Deployment made after the kill gets its ReplicaSet; the lease is held by a survivor.
  const s = live()[0];
  await s.c.kubectl(['create', 'deployment', 'after-kill', '--image=registry.k8s.io/pause:3.9', '--replicas=1']);
  await until('the ReplicaSet of a Deployment created after the kill', async () => JSON.parse((await s.c.kubectl(['get', 'replicasets', '-l', 'app=after-kill', '-o', 'json'])).stdout).items.length === 1, { context: logs });
  await until(
    'the controller manager lease held by a survivor',
    async () =>
      live()
        .map(idOf)
        .includes(await cmHolder(s)),
    { context: async () => cmHolder(s) },
  );
});

test('the kubernetes Endpoints drop the killed server once its lease expired', async () => {
  const want = `127.0.0.1,:${Math.min(...live().map((x) => x.port))}`;
  for (const s of live()) await until(`Endpoints ${want} through port ${s.port}`, async () => (await endpoints(s)) === want, { context: async () => endpoints(s) });
});

test("gifee etcd remove takes the dead server's member out: 3 voters → 2, and writes still work", async () => {
  const s = live()[0];
  const r = await gifee(['etcd', 'remove', killedMember, '--data-dir', s.c.dataDir]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /3 voting members → 2; quorum 2 of 2, no further member may fail/);
  const list = await members(live()[1]);
  assert.equal(list.length, 2);
  assert.ok(!list.some((m) => m.name === killedMember));
  const n = acknowledged.length;
  await writeUntil(() => acknowledged.length > n, 'a write after the removal');
});
