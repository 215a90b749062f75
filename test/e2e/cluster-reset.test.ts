// gifee server --cluster-reset [--restore FILE] (issue 16), as a user would: a --cluster-init server
// on loopback, kubectl creates A, `gifee snapshot save`, creates B; a truncated or altered copy of
// the snapshot is refused with the checksum error and the data dir is untouched; --cluster-reset
// --restore brings A back (same uid) without B. Then a second server joins, goes away (the member
// loses quorum) and plain --cluster-reset brings the first back as a cluster of one with its objects.
// Last, the snapshot rebuilds the cluster in an empty data dir.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, cliCommand, freePort, repoRoot, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let dataDir: string;
let work: string;
let ports: string[];
let running: Cluster | undefined;
let snapshot: string;
let uidA: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gifee-reset-'));
  dataDir = await mkdtemp(join(tmpdir(), 'gifee-reset-data-'));
  ports = ['--etcd-client-port', String(await freePort()), '--etcd-peer-port', String(await freePort())];
});
after(async () => {
  await running?.stop();
  await rm(work, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

const gifee = (args: string[]) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 120_000 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })));
const server = (dir: string, extra: string[]) => gifee(['server', '--data-dir', dir, '--port', '0', '--bind-address', '127.0.0.1', '--no-agent', ...ports, ...extra]);
const uidOf = async (c: Cluster, name: string) => (await c.kubectl(['get', 'configmap', name, '-o', 'jsonpath={.metadata.uid}'])).stdout;

/** What a failed reset must not change: the member record, etcd's files, the PKI. */
async function fingerprint(dir: string): Promise<string> {
  const h = createHash('sha256');
  h.update(await readFile(join(dir, 'etcd', 'member.json')));
  h.update((await readdir(join(dir, 'etcd'))).sort().join(','));
  h.update((await readdir(join(dir, 'etcd', 'data', 'member', 'snap'))).sort().join(','));
  for (const f of (await readdir(join(dir, 'pki'))).sort()) h.update(await readFile(join(dir, 'pki', f)));
  return h.digest('hex');
}

test('a --cluster-init server: A, a snapshot, then B', async () => {
  running = await startCluster({ dataDir, extraArgs: ['--cluster-init', ...ports] });
  await running.kubectl(['create', 'configmap', 'a', '--from-literal=k=1']);
  uidA = await uidOf(running, 'a');
  const saved = await gifee(['snapshot', 'save', '--data-dir', dataDir, '--name', 'before-b']);
  assert.equal(saved.code, 0, saved.err);
  snapshot = /saved: (\S+) \(etcd,/.exec(saved.out)?.[1] ?? assert.fail(saved.out);
  await running.kubectl(['create', 'configmap', 'b', '--from-literal=k=2']);
  await running.stop();
  running = undefined;
});

test('a truncated or altered snapshot is refused with the checksum error; the data dir is untouched', async () => {
  const before = await fingerprint(dataDir);
  const cut = join(work, 'cut.gifee-snapshot');
  await copyFile(snapshot, cut);
  await truncate(cut, (await readFile(snapshot)).length - 100);
  const r = await server(dataDir, ['--cluster-reset', '--restore', cut]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /cannot restore .*cut\.gifee-snapshot: .*corrupt or truncated.*nothing was changed/);
  const flipped = join(work, 'flipped.gifee-snapshot');
  const bytes = await readFile(snapshot);
  bytes[bytes.length - 10] ^= 0xff;
  await writeFile(flipped, bytes);
  const f = await server(dataDir, ['--cluster-reset', '--restore', flipped]);
  assert.equal(f.code, 2, f.err);
  assert.match(f.err, /checksum mismatch/);
  assert.equal(await fingerprint(dataDir), before);
});

test('refused with the reason: --restore alone, a SQLite data dir, a data dir without a member', async () => {
  const alone = await server(dataDir, ['--restore', snapshot]);
  assert.equal(alone.code, 2);
  assert.match(alone.err, /needs --cluster-reset/);
  const sqlite = await mkdtemp(join(work, 'sqlite-'));
  await writeFile(join(sqlite, 'state.db'), '');
  const s = await server(sqlite, ['--cluster-reset']);
  assert.equal(s.code, 2);
  assert.match(s.err, /holds the embedded SQLite store.*gifee snapshot restore/);
  const empty = await mkdtemp(join(work, 'empty-'));
  const e = await server(empty, ['--cluster-reset']);
  assert.equal(e.code, 2);
  assert.match(e.err, /no managed etcd member .*nothing to reset/);
});

test('--cluster-reset --restore FILE: A is back with its uid, B is gone; the old etcd data is kept aside', async () => {
  running = await startCluster({ dataDir, extraArgs: ['--cluster-reset', '--restore', snapshot, ...ports] });
  assert.equal(await uidOf(running, 'a'), uidA);
  const b = await running.kubectl(['get', 'configmap', 'b'], { allowFail: true });
  assert.notEqual(b.code, 0);
  assert.match(b.stderr, /NotFound|not found/);
  assert.ok(
    (await readdir(join(dataDir, 'etcd'))).some((n) => n.startsWith('data.old-')),
    'the old data dir kept aside',
  );
  const members = JSON.parse((await gifee(['etcd', 'members', '--data-dir', dataDir, '-o', 'json'])).out).items;
  assert.equal(members.length, 1);
  // A second reset while this server runs the member is refused before anything changes.
  const busy = await server(dataDir, ['--cluster-reset']);
  assert.equal(busy.code, 2, busy.err);
  assert.match(busy.err, /--cluster-reset: gifee server \(pid \d+\) is using .* runs its etcd member; stop it first/);
  // Kept flags restore a snapshot once: a restart does not roll back what was written since.
  await running.kubectl(['create', 'configmap', 'after-restore']);
  await running.restart();
  assert.match(running.logs(), /already restored into this data dir/);
  assert.equal(await uidOf(running, 'a'), uidA);
  assert.ok(await uidOf(running, 'after-restore'));
});

test('plain --cluster-reset: after its joined peer is gone for good, the member comes back alone with its objects', async () => {
  const first = running!;
  const second = await startCluster({ extraArgs: ['--server', first.url, '--token-file', join(dataDir, 'server-token'), '--etcd-client-port', String(await freePort()), '--etcd-peer-port', String(await freePort())] });
  await second.kubectl(['create', 'configmap', 'c', '--from-literal=k=3']);
  assert.equal(JSON.parse((await gifee(['etcd', 'members', '--data-dir', dataDir, '-o', 'json'])).out).items.length, 2);
  // The second server goes away without leaving the cluster: two voters, one left, no quorum.
  await second.stop();
  await first.stop();
  running = undefined;
  const state = JSON.parse(await readFile(join(dataDir, 'etcd', 'member.json'), 'utf8'));
  running = await startCluster({ dataDir, extraArgs: ['--cluster-reset', ...ports] });
  assert.equal(await uidOf(running, 'a'), uidA);
  assert.equal((await running.kubectl(['get', 'configmap', 'c', '-o', 'jsonpath={.data.k}'])).stdout, '3');
  await running.kubectl(['create', 'configmap', 'd']);
  const members = JSON.parse((await gifee(['etcd', 'members', '--data-dir', dataDir, '-o', 'json'])).out).items;
  assert.equal(members.length, 1);
  assert.equal(members[0].role, 'voter');
  const after = JSON.parse(await readFile(join(dataDir, 'etcd', 'member.json'), 'utf8'));
  assert.equal(after.name, state.name);
  assert.equal(after.origin, 'init');
  assert.match(running.logs(), /now a cluster of one/);
  // Only the first start forces a new cluster: etcd killed now comes back from its data without the flag.
  const etcdPid = async () => Number((await readFile(join(dataDir, 'etcd', 'etcd.pid'), 'utf8')).trim());
  const cmdline = async (pid: number) => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  const pid = await etcdPid();
  assert.ok((await cmdline(pid)).includes('--force-new-cluster'));
  process.kill(pid, 'SIGKILL');
  await until('a new etcd process', async () => (await etcdPid()) !== pid && (await cmdline(await etcdPid())).includes('--data-dir'), { context: () => running!.logs().slice(-3000) });
  assert.ok(!(await cmdline(await etcdPid())).includes('--force-new-cluster'));
  await until('kubectl to read through the restarted etcd', async () => (await running!.kubectl(['get', 'configmap', 'd'], { allowFail: true })).code === 0, { context: () => running!.logs().slice(-3000) });
});

test('--cluster-reset --restore FILE into an empty data dir (a new machine): the same cluster, A with its uid', async () => {
  await running?.stop();
  running = undefined;
  const fresh = await mkdtemp(join(work, 'fresh-'));
  running = await startCluster({ dataDir: fresh, extraArgs: ['--cluster-reset', '--restore', snapshot, ...ports] });
  assert.equal(await uidOf(running, 'a'), uidA);
  assert.deepEqual(await readFile(join(fresh, 'pki', 'ca.crt')), await readFile(join(dataDir, 'pki', 'ca.crt')), "the snapshot's CA");
  assert.equal(JSON.parse(await readFile(join(fresh, 'etcd', 'member.json'), 'utf8')).origin, 'init');
});
