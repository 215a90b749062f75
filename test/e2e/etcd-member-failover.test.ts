// A server whose own etcd member stops answering keeps serving through the other members (issue 16).
// Three `gifee server`s form one managed etcd cluster on loopback (as ha-failover.test.ts: the first
// with --cluster-init, two joining; distinct API, etcd client and peer ports on 127.0.0.1). The etcd
// of the server whose member leads is frozen with SIGSTOP: the process stays alive, so its supervisor
// does not restart it (deterministic, unlike a kill, which it heals in 0.5 s), and it neither answers
// nor resets connections, the harder case for the store (calls run into their deadline). That server's
// store marks its member down, and kubectl create and get through it work, through the other two
// members; so do `gifee etcd members` and `gifee snapshot save` with that server's data dir. SIGCONT:
// the member answers again, the store prefers it again, and kubectl still works.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { startCluster, cliCommand, freePort, repoRoot, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

interface Server {
  c: Cluster;
  port: number;
  clientPort: number;
}
const servers: Server[] = [];
let frozenPid = 0;

const gifee = (args: string[]) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 60_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })));
const logs = () => servers.map((s, i) => `--- server ${i} (etcd client port ${s.clientPort})\n${s.c.logs().slice(-3000)}`).join('\n');

before(async () => {
  const start = async (first?: Cluster) => {
    const port = await freePort();
    const clientPort = await freePort();
    const etcdPorts = ['--etcd-client-port', String(clientPort), '--etcd-peer-port', String(await freePort())];
    const how = first ? ['--server', first.url, '--token-file', join(first.dataDir, 'server-token')] : ['--cluster-init'];
    servers.push({ c: await startCluster({ port, extraArgs: [...how, ...etcdPorts] }), port, clientPort });
  };
  await start();
  await start(servers[0].c);
  await start(servers[0].c);
});
after(async () => {
  // A frozen etcd would only take SIGTERM once continued.
  if (frozenPid) {
    try {
      process.kill(frozenPid, 'SIGCONT');
    } catch {}
  }
  for (const s of [...servers].reverse()) await s.c.stop();
});

const kubectlOk = async (s: Server, args: string[]) => {
  const r = await s.c.kubectl(args, { allowFail: true });
  assert.equal(r.code, 0, `kubectl ${args.join(' ')} through port ${s.port}: ${r.stderr}\n${logs()}`);
  return r.stdout;
};

test('a server whose own etcd member is frozen serves kubectl through the other members, and prefers its own once it is back', { timeout: 120_000 }, async () => {
  // The server whose member leads (the harder case: the others elect a new leader as well).
  const r = await gifee(['etcd', 'members', '--data-dir', servers[2].c.dataDir, '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  const list = JSON.parse(r.out).items as { name: string; clientURLs: string[]; role: string; leader: boolean }[];
  assert.deepEqual(
    list.map((m) => m.role),
    ['voter', 'voter', 'voter'],
  );
  const leader = list.find((m) => m.leader)!;
  const s = servers.find((x) => leader.clientURLs.includes(`https://127.0.0.1:${x.clientPort}`))!;
  const other = servers.find((x) => x !== s)!;
  const own = `https://127.0.0.1:${s.clientPort}`;
  await kubectlOk(s, ['create', 'configmap', 'before', '--from-literal=k=v']);
  // The same get with every member up: what kubectl itself costs on this machine, beside the figure below.
  const g = Date.now();
  await kubectlOk(s, ['get', 'configmap', 'before', '-o', 'jsonpath={.metadata.name}']);
  console.log(`# kubectl get through the server with its member up took ${Date.now() - g} ms`);

  frozenPid = Number((await readFile(join(s.c.dataDir, 'etcd', 'etcd.pid'), 'utf8')).trim());
  const logFrom = s.c.logs().length;
  const since = () => s.c.logs().slice(logFrom);
  process.kill(frozenPid, 'SIGSTOP');
  const frozenAt = Date.now();
  // The first call through that server right after the freeze (docs/ha.md quotes this figure).
  assert.equal(await kubectlOk(s, ['get', 'configmap', 'before', '-o', 'jsonpath={.metadata.name}']), 'before');
  console.log(`# first kubectl get through the server took ${Date.now() - frozenAt} ms after SIGSTOP of its etcd`);
  // The server's own traffic (leases, controllers) runs into a call deadline (3 s) and marks the member down.
  await until(
    'the server to mark its own member down',
    async () =>
      since()
        .split('\n')
        .some((l) => l.includes('etcd member does not answer') && l.includes(own)),
    { timeoutMs: 20_000, context: logs },
  );
  const downLine = since()
    .split('\n')
    .find((l) => l.includes('etcd member does not answer') && l.includes(own));
  const downTs = Date.parse(/"ts":"([^"]+)"/.exec(downLine ?? '')?.[1] ?? '');
  console.log(`# own member marked down ${Number.isNaN(downTs) ? '(no JSON timestamp in the log)' : `${downTs - frozenAt} ms`} after SIGSTOP: ${/"err":"([^"]{0,80})/.exec(downLine ?? '')?.[1] ?? ''}`);

  // Writes and reads through that server go to the other members.
  const t = Date.now();
  await kubectlOk(s, ['create', 'configmap', 'while-frozen', '--from-literal=k=v']);
  assert.equal(await kubectlOk(s, ['get', 'configmap', 'while-frozen', '-o', 'jsonpath={.data.k}']), 'v');
  assert.equal(await kubectlOk(s, ['get', 'configmap', 'before', '-o', 'jsonpath={.metadata.name}']), 'before');
  assert.equal(await kubectlOk(other, ['get', 'configmap', 'while-frozen', '-o', 'jsonpath={.data.k}']), 'v');
  const updated = await kubectlOk(s, ['patch', 'configmap', 'while-frozen', '-p', '{"data":{"k":"w"}}']);
  assert.match(updated, /patched/);
  assert.equal(await kubectlOk(other, ['get', 'configmap', 'while-frozen', '-o', 'jsonpath={.data.k}']), 'w');
  console.log(`# create, get, patch and gets through the server with a frozen member took ${Date.now() - t} ms`);
  // The commands of that server's data dir go through the other members too (member.json holds the
  // client URLs its server last read from etcd's member list).
  // (The server rereads the list every 10 s and after a fault: a member promoted from learner since may take that long.)
  const memberJson = () => readFile(join(s.c.dataDir, 'etcd', 'member.json'), 'utf8');
  await until('member.json to list the three members', async () => new Set((JSON.parse(await memberJson()) as { clusterClientUrls?: string[] }).clusterClientUrls).size === 3, { timeoutMs: 15_000, context: memberJson });
  let c = Date.now();
  const members = await gifee(['etcd', 'members', '--data-dir', s.c.dataDir, '-o', 'json']);
  assert.equal(members.code, 0, `gifee etcd members: ${members.err}`);
  assert.equal(JSON.parse(members.out).items.length, 3, members.out);
  assert.match(members.err, /does not answer; going through https:\/\/127\.0\.0\.1:\d+/);
  console.log(`# gifee etcd members through the frozen server's data dir took ${Date.now() - c} ms`);
  c = Date.now();
  const snap = await gifee(['snapshot', 'save', '--data-dir', s.c.dataDir, '--name', 'while-frozen']);
  assert.equal(snap.code, 0, `gifee snapshot save: ${snap.err}`);
  const saved = /saved: (\S+) \(etcd, revision \d+, from etcd member (\S+)\)/.exec(snap.out);
  assert.ok(saved, snap.out);
  assert.notEqual(saved[2], own, 'taken from another member');
  console.log(`# gifee snapshot save through the frozen server's data dir took ${Date.now() - c} ms`);
  const verified = await gifee(['snapshot', 'verify', saved[1]]);
  assert.equal(verified.code, 0, `gifee snapshot verify: ${verified.out}${verified.err}`);
  // Still frozen (the supervisor did not restart it): it was the other members that answered.
  assert.match(await readFile(`/proc/${frozenPid}/stat`, 'utf8'), /^\d+ \([^)]*\) T /, 'etcd is still stopped');

  process.kill(frozenPid, 'SIGCONT');
  frozenPid = 0;
  await until(
    'the server to prefer its own member again',
    async () =>
      since()
        .split('\n')
        .some((l) => /etcd member answers again.*preferred"?[:=]true/.test(l) && l.includes(own)),
    { timeoutMs: 30_000, context: logs },
  );
  const count = (what: string) =>
    since()
      .split('\n')
      .filter((l) => l.includes(what)).length;
  console.log(`# that server logged its member down ${count('etcd member does not answer')} time(s), back ${count('etcd member answers again')}, and ${count('store watch failed')} store watch warnings (moves are logged at debug level)`);
  await kubectlOk(s, ['create', 'configmap', 'after', '--from-literal=k=v']);
  const names = await kubectlOk(s, ['get', 'configmaps', '-o', 'jsonpath={.items[*].metadata.name}']);
  for (const n of ['before', 'while-frozen', 'after']) assert.ok(names.split(' ').includes(n), `${n} in ${names}`);
  assert.equal(await kubectlOk(other, ['get', 'configmap', 'after', '-o', 'jsonpath={.metadata.name}']), 'after');
});
