// Managed etcd (issue 16): `gifee server --cluster-init` runs a supervised etcd member with TLS from
// its etcd CA and uses it as the store. kubectl works through it; `gifee etcd members` lists it;
// a kill -9 of etcd is healed by the supervisor; a restart resumes the same member and its objects;
// stopping the server stops etcd. Bad combinations and foreign data dirs are refused with reasons.
// A second server joins with the first's DATA/server-token (CA checked against the token's hash) as
// an etcd learner, is promoted, and serves the same objects; a wrong token or CA hash is refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, cliCommand, freePort, repoRoot, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { isProcessAlive } from '../../src/util/process-alive.js';

let c: Cluster;
let c2: Cluster | undefined;
let clientPort: number;
before(async () => {
  clientPort = await freePort();
  const peerPort = await freePort();
  c = await startCluster({ extraArgs: ['--cluster-init', '--etcd-client-port', String(clientPort), '--etcd-peer-port', String(peerPort)] });
});
after(async () => {
  // The joined server first: the founder's etcd then stops without waiting on a departed peer.
  await c2?.stop();
  await c?.stop();
});

const gifee = (args: string[]) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 60_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })));

const etcdPid = async () => Number((await readFile(join(c.dataDir, 'etcd', 'etcd.pid'), 'utf8')).trim());

test('the server stores in its managed etcd (TLS on loopback), not in SQLite; kubectl works', async () => {
  assert.match(c.logs(), /"msg":"API server listening"[^\n]*"store":"etcd"/);
  assert.ok(!existsSync(join(c.dataDir, 'state.db')), 'no SQLite store in the data dir');
  for (const f of ['etcd-ca.crt', 'etcd-server.crt', 'etcd-peer.crt', 'apiserver-etcd-client.crt']) assert.ok(existsSync(join(c.dataDir, 'pki', f)), f);
  await c.kubectl(['create', 'configmap', 'before-kill', '--from-literal=a=1']);
  assert.equal((await c.kubectl(['get', 'configmap', 'before-kill', '-o', 'jsonpath={.data.a}'])).stdout, '1');
  assert.ok(existsSync(join(c.dataDir, 'etcd', 'etcd.log')), "etcd's log goes to DATA/etcd/etcd.log");
});

test('gifee etcd members lists the one voting member, its loopback URLs and that it leads', async () => {
  const r = await gifee(['etcd', 'members', '--data-dir', c.dataDir]);
  assert.equal(r.code, 0, r.err);
  const [header, row, ...more] = r.out.trim().split('\n');
  assert.match(header, /^NAME\s+ID\s+PEER URLS\s+CLIENT URLS\s+ROLE\s+LEADER$/);
  assert.equal(more.length, 0, r.out);
  assert.match(row, new RegExp(`https://127\\.0\\.0\\.1:${clientPort}\\s+voter\\s+yes$`));
  const json = await gifee(['etcd', 'members', '--data-dir', c.dataDir, '-o', 'json']);
  const list = JSON.parse(json.out);
  assert.equal(list.items.length, 1);
  assert.deepEqual(list.items[0].clientURLs, [`https://127.0.0.1:${clientPort}`]);
  assert.equal(list.items[0].role, 'voter');
  const bad = await gifee(['etcd', 'members', '--data-dir', tmpdir()]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /has no managed etcd member/);
  const sub = await gifee(['etcd', 'nope']);
  assert.equal(sub.code, 2);
  assert.match(sub.err, /unknown subcommand "nope"/);
});

test('etcd killed with SIGKILL: the supervisor starts it again and kubectl works', async () => {
  const first = await etcdPid();
  process.kill(first, 'SIGKILL');
  await until('a new etcd process', async () => (await etcdPid()) !== first && isProcessAlive(await etcdPid()), { context: () => c.logs().slice(-3000) });
  await until(
    'kubectl to create through the restarted etcd',
    async () => {
      await c.kubectl(['create', 'configmap', 'after-kill', '--from-literal=b=2']);
      return true;
    },
    { context: () => c.logs().slice(-3000) },
  );
  assert.match(c.logs(), /"msg":"etcd died; restarting"[^\n]*"signal":"SIGKILL"/);
  assert.equal((await c.kubectl(['get', 'configmap', 'before-kill', '-o', 'jsonpath={.data.a}'])).stdout, '1');
});

test('a restart resumes the same member with its objects; stopping the server stops etcd', async () => {
  const members = async () => JSON.parse((await gifee(['etcd', 'members', '--data-dir', c.dataDir, '-o', 'json'])).out).items;
  const [before] = await members();
  const pid = await etcdPid();
  await c.restart();
  assert.ok(!isProcessAlive(pid), 'the old etcd stopped with its server');
  const names = (await c.kubectl(['get', 'configmaps', '-o', 'name'])).stdout;
  assert.match(names, /configmap\/before-kill/);
  assert.match(names, /configmap\/after-kill/);
  const after = await members();
  assert.equal(after.length, 1);
  assert.equal(after[0].id, before.id, 'the same member, from its data');
});

test('gifee snapshot save reaches the managed etcd with its client certificate', async () => {
  const saved = await gifee(['snapshot', 'save', '--data-dir', c.dataDir, '--name', 'managed']);
  assert.equal(saved.code, 0, saved.err);
  const ls = await gifee(['snapshot', 'ls', '--data-dir', c.dataDir, '-o', 'json']);
  assert.equal(ls.code, 0, ls.err);
  assert.match(ls.out, /"store": "etcd"/);
});

test('refused with the reason: --cluster-init with --store, on a joined member', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-me-refuse-'));
  try {
    const server = (extra: string[]) => gifee(['server', '--data-dir', dir, '--port', '0', '--bind-address', '127.0.0.1', '--no-agent', '--cluster-init', ...extra]);
    const both = await server(['--store', 'etcd', '--etcd-endpoints', 'https://127.0.0.1:1']);
    assert.equal(both.code, 2);
    assert.match(both.err, /--cluster-init runs its own etcd as the store: drop --store/);
    await mkdir(join(dir, 'etcd'), { recursive: true });
    await writeFile(join(dir, 'etcd', 'member.json'), JSON.stringify({ name: 'other-1', origin: 'join', joinedFrom: 'https://127.0.0.1:6443', clientUrl: 'https://127.0.0.1:2379', peerUrl: 'https://127.0.0.1:2380' }));
    const joined = await server([]);
    assert.equal(joined.code, 2, joined.err);
    assert.match(joined.err, /holds an etcd member of the cluster joined through https:\/\/127\.0\.0\.1:6443; --cluster-init would found a new cluster/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a second server joins with the server token: promoted to voter, the same objects through either server', async () => {
  const tokenFile = join(c.dataDir, 'server-token');
  c2 = await startCluster({ extraArgs: ['--server', c.url, '--token-file', tokenFile, '--etcd-client-port', String(await freePort()), '--etcd-peer-port', String(await freePort())] });
  assert.match(c2.logs(), /"msg":"promoted this etcd learner to a voting member"/);
  const list = JSON.parse((await gifee(['etcd', 'members', '--data-dir', c2.dataDir, '-o', 'json'])).out).items as { role: string; leader: boolean }[];
  assert.equal(list.length, 2);
  assert.deepEqual(
    list.map((m) => m.role),
    ['voter', 'voter'],
  );
  assert.equal(list.filter((m) => m.leader).length, 1);
  assert.equal((await c2.kubectl(['get', 'configmap', 'before-kill', '-o', 'jsonpath={.data.a}'])).stdout, '1');
  await c2.kubectl(['create', 'configmap', 'from-second', '--from-literal=c=3']);
  assert.equal((await c.kubectl(['get', 'configmap', 'from-second', '-o', 'jsonpath={.data.c}'])).stdout, '3');
  // Restarted, it resumes as the joined member (no second join).
  await c2.restart();
  assert.equal((await c2.kubectl(['get', 'configmap', 'from-second', '-o', 'jsonpath={.data.c}'])).stdout, '3');
  assert.equal(JSON.parse((await gifee(['etcd', 'members', '--data-dir', c.dataDir, '-o', 'json'])).out).items.length, 2);
});

test('a join with a wrong secret, a CA hash of another cluster or a node token is refused with the reason', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-me-join-'));
  try {
    const token = (await readFile(join(c.dataDir, 'server-token'), 'utf8')).trim();
    const tryJoin = async (text: string) => {
      await writeFile(join(dir, 'token'), text);
      return gifee(['server', '--data-dir', join(dir, 'data'), '--port', '0', '--bind-address', '127.0.0.1', '--no-agent', '--server', c.url, '--token-file', join(dir, 'token'), '--etcd-client-port', String(await freePort()), '--etcd-peer-port', String(await freePort())]);
    };
    const wrongSecret = await tryJoin(token.replace(/server:[0-9a-f]{64}$/, `server:${'0'.repeat(64)}`));
    assert.equal(wrongSecret.code, 2, wrongSecret.err);
    assert.match(wrongSecret.err, /refused the join: wrong server token/);
    const wrongCa = await tryJoin(token.replace(/^K10[0-9a-f]{64}/, `K10${'f'.repeat(64)}`));
    assert.equal(wrongCa.code, 2, wrongCa.err);
    assert.match(wrongCa.err, /does not match the server token's hash: refusing to join/);
    const nodeToken = await tryJoin(await readFile(join(c.dataDir, 'node-token'), 'utf8'));
    assert.equal(nodeToken.code, 2, nodeToken.err);
    assert.match(nodeToken.err, /this is a node token/);
    assert.ok(!existsSync(join(dir, 'data', 'etcd', 'member.json')), 'nothing joined');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('gifee etcd remove: refused for the running server of its own data dir; removes the second member, which leaves one', async () => {
  const self = JSON.parse(await readFile(join(c.dataDir, 'etcd', 'member.json'), 'utf8')).name as string;
  const second = JSON.parse(await readFile(join(c2!.dataDir, 'etcd', 'member.json'), 'utf8')).name as string;
  const own = await gifee(['etcd', 'remove', self, '--data-dir', c.dataDir]);
  assert.equal(own.code, 2, own.err);
  assert.match(own.err, /is the member of this data dir's server, which runs: stop that server first/);
  const unknown = await gifee(['etcd', 'remove', 'nope', '--data-dir', c.dataDir]);
  assert.equal(unknown.code, 2, unknown.err);
  assert.match(unknown.err, new RegExp(`no member named "nope".*${second}`));
  assert.equal((await gifee(['etcd', 'remove', '--data-dir', c.dataDir])).code, 2);
  // Two voters: a stopped one could not be removed (no quorum), so the second goes first, then its server.
  const removed = await gifee(['etcd', 'remove', second, '--data-dir', c.dataDir]);
  assert.equal(removed.code, 0, removed.err);
  assert.match(removed.out, new RegExp(`removed etcd member ${second}: 2 voting members → 1; quorum 1 of 1`));
  assert.match(removed.out, /its etcd was running: it stops now/);
  // Its supervisor sees etcd say so and does not restart it (a removed member cannot come back); the
  // server, without a store now, shuts down saying why, exit code 1.
  await until("the removed member's server to stop", async () => c2!.exitCode !== null, { context: () => c2!.logs().slice(-3000) });
  assert.equal(c2!.exitCode, 1, c2!.logs().slice(-3000));
  assert.match(c2!.logs(), /"msg":"this etcd member was removed from its cluster/);
  assert.match(c2!.logs(), /"msg":"shutting down","reason":"this etcd member was removed/);
  assert.doesNotMatch(await readFile(join(c.dataDir, 'etcd', 'etcd.log'), 'utf8'), /the member has been permanently removed from the cluster/, 'the staying member does not say it was removed');
  await c2!.stop();
  c2 = undefined;
  const list = JSON.parse((await gifee(['etcd', 'members', '--data-dir', c.dataDir, '-o', 'json'])).out).items as { name: string; leader: boolean }[];
  assert.deepEqual(
    list.map((m) => [m.name, m.leader]),
    [[self, true]],
  );
  await c.kubectl(['create', 'configmap', 'after-remove', '--from-literal=d=4']);
  const last = await gifee(['etcd', 'remove', self, '--data-dir', c.dataDir]);
  assert.equal(last.code, 2);
});
