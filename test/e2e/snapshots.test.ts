// Backups as a user takes them: objects made with kubectl, `gifee snapshot save` while the server
// runs, objects deleted and made after it, the server stopped, `gifee snapshot restore`, the server
// started again: the snapshot's objects are back with the same uids and resourceVersions (and
// Secrets, encrypted at rest, still read), later ones are gone. `gifee server --restore-from` on an
// empty data dir rebuilds the same cluster (same CA). Scheduled snapshots appear and retention
// prunes them. Refused: a restore while the server runs, corrupt and truncated files, hostile names
// and paths, bad schedules.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, cliCommand, repoRoot, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

const roots: string[] = [];
const clusters: Cluster[] = [];
after(async () => {
  for (const c of clusters) await c.stop().catch(() => {});
  for (const r of roots) await rm(r, { recursive: true, force: true });
});
const tempRoot = async () => {
  const r = await mkdtemp(join(tmpdir(), 'gifee-snap-e2e-'));
  roots.push(r);
  return r;
};
const start = async (dataDir: string, extraArgs: string[] = []) => {
  const c = await startCluster({ dataDir, extraArgs: ['--snapshot-schedule', 'off', ...extraArgs] });
  clusters.push(c);
  return c;
};

const gifee = (args: string[]) =>
  new Promise<{ code: number; out: string; err: string }>((resolve) => execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 120_000, maxBuffer: 16 << 20 }, (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: String(stdout), err: String(stderr) })));
const ok = async (args: string[]) => {
  const r = await gifee(args);
  assert.equal(r.code, 0, `gifee ${args.join(' ')}: ${r.err}${r.out}`);
  return r.out;
};
const refused = async (args: string[], re: RegExp) => {
  const r = await gifee(args);
  assert.equal(r.code, 2, `gifee ${args.join(' ').slice(0, 200)} should be refused: ${r.err}${r.out}`);
  assert.match(r.err, re);
};

const meta = async (c: Cluster, kind: string, name: string) => JSON.parse((await c.kubectl(['get', kind, name, '-n', 'backup', '-o', 'json'])).stdout).metadata as { uid: string; resourceVersion: string };

test('save online, restore on the stopped server: same objects, uids and resourceVersions; later objects gone', async () => {
  const root = await tempRoot();
  const data = join(root, 'data');
  let c = await start(data);
  await c.kubectl(['create', 'namespace', 'backup']);
  await c.kubectl(['create', 'configmap', 'kept', '-n', 'backup', '--from-literal=k=v']);
  await c.kubectl(['create', 'secret', 'generic', 'creds', '-n', 'backup', '--from-literal=password=s3cret']);
  await c.kubectl(['create', 'configmap', 'deleted-later', '-n', 'backup', '--from-literal=k=v']);
  const kept = await meta(c, 'configmap', 'kept');
  const creds = await meta(c, 'secret', 'creds');
  const doomed = await meta(c, 'configmap', 'deleted-later');

  const saved = await ok(['snapshot', 'save', '--data-dir', data, '--name', 'before']);
  assert.match(saved, /snapshot before saved: .*before\.gifee-snapshot \(sqlite, revision \d+\)/);
  const file = join(data, 'snapshots', 'before.gifee-snapshot');
  const listed = JSON.parse(await ok(['snapshot', 'ls', '--data-dir', data, '-o', 'json']));
  assert.equal(listed.length, 1);
  assert.equal(listed[0].name, 'before');
  assert.equal(listed[0].store, 'sqlite');
  assert.ok(Number(listed[0].revision) >= Number(doomed.resourceVersion), `snapshot revision ${listed[0].revision} covers the last write ${doomed.resourceVersion}`);
  assert.match(listed[0].sha256, /^[0-9a-f]{64}$/);
  await refused(['snapshot', 'save', '--data-dir', data, '--name', 'before'], /already exists/);

  await c.kubectl(['delete', 'configmap', 'deleted-later', '-n', 'backup']);
  await c.kubectl(['create', 'configmap', 'made-later', '-n', 'backup', '--from-literal=k=v']);
  await refused(['snapshot', 'restore', file, '--data-dir', data], /gifee server \(pid \d+\) is using it; stop it first/);

  await c.stop();
  // A corrupt copy and a truncated one are refused before anything changes.
  const bytes = await readFile(file);
  const corrupt = join(root, 'corrupt.gifee-snapshot');
  const flipped = Buffer.from(bytes);
  flipped[Math.floor(flipped.length / 2)] ^= 0x01;
  await writeFile(corrupt, flipped);
  await refused(['snapshot', 'restore', corrupt, '--data-dir', data], /checksum mismatch; nothing was restored/);
  await refused(['snapshot', 'verify', corrupt], /checksum mismatch/);
  await writeFile(corrupt, bytes.subarray(0, bytes.length - 4096));
  await refused(['snapshot', 'restore', corrupt, '--data-dir', data], /truncated/);
  await refused(['snapshot', 'restore', join(data, 'state.db'), '--data-dir', data], /not a gifee snapshot/);
  await refused(['snapshot', 'restore', join(root, 'missing.gifee-snapshot'), '--data-dir', data], /no such file/);
  assert.deepEqual(
    (await readdir(data)).filter((n) => n.includes('.tmp-')),
    [],
    'no temporary files left behind',
  );

  assert.match(await ok(['snapshot', 'verify', file]), /ok \(sqlite, revision \d+/);
  assert.match(await ok(['snapshot', 'restore', file, '--data-dir', data]), /restored .* from .*before\.gifee-snapshot/);
  c = await start(data);
  assert.deepEqual(await meta(c, 'configmap', 'kept'), kept);
  assert.deepEqual(await meta(c, 'configmap', 'deleted-later'), doomed);
  assert.deepEqual(await meta(c, 'secret', 'creds'), creds);
  const password = (await c.kubectl(['get', 'secret', 'creds', '-n', 'backup', '-o', 'jsonpath={.data.password}'])).stdout;
  assert.equal(Buffer.from(password, 'base64').toString(), 's3cret');
  const later = await c.kubectl(['get', 'configmap', 'made-later', '-n', 'backup'], { allowFail: true });
  assert.notEqual(later.code, 0);
  assert.match(later.stderr, /NotFound/);
  // Writes go on after the restored revision: a new object's resourceVersion is above every restored one.
  await c.kubectl(['create', 'configmap', 'after-restore', '-n', 'backup']);
  assert.ok(Number((await meta(c, 'configmap', 'after-restore')).resourceVersion) > Number(doomed.resourceVersion));
  await c.stop();

  // A new machine: an empty data dir, the server started with --restore-from, is the same cluster.
  const fresh = join(root, 'fresh');
  const c2 = await start(fresh, ['--restore-from', file]);
  assert.deepEqual(await meta(c2, 'configmap', 'kept'), kept);
  assert.deepEqual(await meta(c2, 'secret', 'creds'), creds);
  const ca = async (dir: string) => (await readFile(join(dir, 'pki', 'ca.crt'), 'utf8')).trim();
  assert.equal(await ca(fresh), await ca(data));
  // Restarted with the flag still given, it does not roll back again.
  await c2.kubectl(['create', 'configmap', 'survives-restart', '-n', 'backup']);
  await c2.restart();
  await meta(c2, 'configmap', 'survives-restart');
  assert.match(c2.logs(), /already restored into this data dir/);
});

test('hostile names, paths and flags are refused', async () => {
  const root = await tempRoot();
  const data = join(root, 'data');
  await start(data);
  await refused(['snapshot', 'save', '--data-dir', data, '--name', '../../escape'], /may hold only letters/);
  await refused(['snapshot', 'save', '--data-dir', data, '--name', '/etc/passwd'], /may hold only letters/);
  await refused(['snapshot', 'save', '--data-dir', data, '--name', 'x'.repeat(5000)], /1-100 characters/);
  await refused(['snapshot', 'delete', '--data-dir', data, '../state'], /may hold only letters/);
  await refused(['snapshot', 'delete', '--data-dir', data, 'nope'], /no snapshot named nope/);
  await refused(['snapshot', 'prune', '--data-dir', data, '--retention', '0'], /at least 1/);
  await refused(['snapshot', 'prune', '--data-dir', data, '--retention', '-3'], /./);
  await refused(['snapshot', 'save', '--data-dir', join(root, 'nowhere')], /no SQLite store/);
  await refused(['snapshot', 'frobnicate'], /unknown subcommand/);
  await refused(['server', '--data-dir', join(root, 'x'), '--snapshot-schedule', '61 * * * *'], /--snapshot-schedule: minute: 61 is outside 0-59/);
  await refused(['server', '--data-dir', join(root, 'x'), '--snapshot-schedule', '* * *'], /5 fields/);
  await refused(['server', '--data-dir', join(root, 'x'), '--snapshot-retention', 'lots'], /--snapshot-retention must be a whole number/);
  // None of it wrote anything outside the snapshot directory.
  assert.deepEqual(await readdir(root), ['data']);
});

test('scheduled snapshots are taken and retention prunes the oldest', async () => {
  const root = await tempRoot();
  const data = join(root, 'data');
  const dir = join(root, 'backups');
  const c = await startCluster({ dataDir: data, extraArgs: ['--snapshot-schedule', '* * * * *', '--snapshot-retention', '2', '--snapshot-dir', dir] });
  clusters.push(c);
  await c.kubectl(['create', 'configmap', 'scheduled-marker']);
  // Older scheduled snapshots (taken by hand under the scheduler's prefix): retention counts them.
  for (const n of ['scheduled-0-old1', 'scheduled-0-old2', 'scheduled-0-old3']) await ok(['snapshot', 'save', '--data-dir', data, '--dir', dir, '--name', n]);
  const ls = async () => JSON.parse(await ok(['snapshot', 'ls', '--dir', dir, '-o', 'json'])) as { name: string; file: string; revision: number }[];
  // The schedule fires each minute: wait for a firing after the seeds (up to three minutes on a loaded machine).
  await until(
    'a scheduled snapshot, with only the two newest scheduled ones kept',
    async () => {
      const all = await ls();
      return all.length === 2 && /^scheduled-\d{8}T/.test(all[0].name) && !all.some((s) => s.name === 'scheduled-0-old1' || s.name === 'scheduled-0-old2');
    },
    {
      timeoutMs: 200_000,
      intervalMs: 2000,
      context: async () =>
        `snapshots: ${JSON.stringify(await ls())}\nserver log:\n${c
          .logs()
          .split('\n')
          .filter((l) => l.includes('snapshot'))
          .join('\n')}`,
    },
  );
  const [newest] = await ls();
  await ok(['snapshot', 'verify', newest.file]);
  assert.match(c.logs(), /scheduled snapshot saved/);
  // Manual prune too, with the same rule.
  assert.match(await ok(['snapshot', 'prune', '--dir', dir, '--retention', '1']), /pruned /);
  assert.equal((await ls()).length, 1);
});
