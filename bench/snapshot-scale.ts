// Snapshot save and restore at 100,000 objects (issue 16's benchmark), on SQLite and on one managed
// etcd member. Writing them through
// the API takes this machine an hour or more (bench/ha.ts measures 100-200 creates/s), so they are
// written into the stopped server's store directly: copies of one ConfigMap created through the API
// (its stored form, exactly as the API server encodes it), each with its own name and uid, many
// creates in flight (the store commits them in groups). Then, as bench/ha.ts does: the server starts
// on that data dir; `gifee snapshot save` online; the server stopped, `gifee snapshot restore`; the
// server's start to /readyz; every object counted back through the API. On etcd: seeded through etcd
// while the server runs, then `gifee server --cluster-reset --restore FILE` into an empty data dir
// (restore and start together), to /readyz, counted back. Baseline: copying the
// snapshot file (copy + fsync), the floor for anything that reads and rewrites that many bytes.
//
// BENCH_SNAPSHOT_OBJECTS (100,000) changes the count.

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientTlsOf, ensureEtcdPki } from '../src/cli/etcd/etcd-pki.js';
import type { Store } from '../src/store/types.js';
import { cliCommand, freePort, repoRoot, startCluster } from '../test/helpers/cluster.js';
import { objectKey } from '../src/apiserver/storage/keys.js';
import { openStore } from '../src/store/index.js';
import { logger } from '../src/util/log.js';
import { copyMs, countConfigMaps, mib, savedPath, timed } from './snapshot-figures.js';
import { report } from './stats.js';

const OBJECTS = Number(process.env.BENCH_SNAPSHOT_OBJECTS ?? 100_000);
const CONFIGMAPS = { group: '', plural: 'configmaps', namespaced: true };
const env = { GIFEE_LOG: 'warn' };
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () => loadavg()[0].toFixed(1);

const gifee = (args: string[]) =>
  new Promise<string>((resolve, reject) => execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 1_800_000, maxBuffer: 16 << 20, env: { ...process.env, ...env } }, (e, stdout, stderr) => (e ? reject(new Error(`gifee ${args.join(' ')}: ${stderr}${stdout}`)) : resolve(String(stdout)))));

/** OBJECTS copies of fill/template written into the store (closed after), inFlight at a time; returns ms. */
async function seed(store: Store, inFlight: number): Promise<number> {
  const [, ms] = await timed(async () => {
    const tmpl = await store.get(objectKey(CONFIGMAPS, 'fill', 'template'));
    if (!tmpl) throw new Error(`the template ConfigMap is not at ${objectKey(CONFIGMAPS, 'fill', 'template')}`);
    const obj = JSON.parse(tmpl.value) as { metadata: { name: string; uid: string } };
    const pending = new Set<Promise<unknown>>();
    for (let i = 0; i < OBJECTS; i++) {
      const name = `o-${i}`;
      const value = JSON.stringify({ ...obj, metadata: { ...obj.metadata, name, uid: randomUUID() } });
      const p = store.create(objectKey(CONFIGMAPS, 'fill', name), value).finally(() => pending.delete(p));
      pending.add(p);
      if (pending.size >= inFlight) await Promise.race(pending);
    }
    await Promise.all(pending);
  });
  await store.close();
  return ms;
}

const root = await mkdtemp(join(tmpdir(), 'gifee-bench-snapshot-'));
const dataDir = join(root, 'data');
const extraArgs = ['--snapshot-schedule', 'off', '--no-controllers'];
try {
  // One ConfigMap through the API: the template of the stored form.
  let c = await startCluster({ dataDir, env, extraArgs });
  await c.kubectl(['create', 'namespace', 'fill']);
  await c.kubectl(['create', 'configmap', 'template', '-n', 'fill', '--from-literal', `payload=${'x'.repeat(512)}`]);
  await c.stop();

  // SQLite commits what is queued in one transaction: many in flight make big groups.
  const fillMs = await seed(await openStore({ backend: 'sqlite', dataDir, log: logger('bench-store') }), 2000);
  console.error(`seeded ${OBJECTS} ConfigMaps into the store in ${s(fillMs)}`);

  c = await startCluster({ dataDir, env, extraArgs });
  const [out, saveMs] = await timed(() => gifee(['snapshot', 'save', '--data-dir', dataDir, '--name', 'bench']));
  const file = savedPath(out);
  const size = (await stat(file)).size;
  await c.stop();
  const [, restoreMs] = await timed(() => gifee(['snapshot', 'restore', file, '--data-dir', dataDir]));
  const copy = await copyMs(file);
  const [, cliMs] = await timed(() => gifee(['version']));
  let startMs: number;
  [c, startMs] = await timed(() => startCluster({ dataDir, env, extraArgs }));
  try {
    const [n, countMs] = await timed(() => countConfigMaps(c));
    if (n !== OBJECTS) throw new Error(`after the restore: ${n} ConfigMaps, want ${OBJECTS}`);
    report(
      'snapshot-scale sqlite',
      `${OBJECTS} ConfigMaps (snapshot ${mib(size)}): save ${s(saveMs)} (online), restore ${s(restoreMs)} (server stopped; both include the CLI's own start, \`gifee version\` ${s(cliMs)}), then start to /readyz ${s(startMs)}, all ${OBJECTS} listed back in ${s(countMs)}; load ${load()}`,
      `copy + fsync of the snapshot file ${s(copy)}`,
      restoreMs / copy,
      `save/copy ${(saveMs / copy).toFixed(1)}`,
    );
  } finally {
    await c.stop();
  }

  // Managed etcd: one member (--cluster-init), seeded through etcd while the server runs; the
  // snapshot restored with --cluster-reset --restore into an empty data dir, to /readyz.
  const etcdDir = join(root, 'etcd');
  const clientPort = await freePort();
  c = await startCluster({ dataDir: etcdDir, env, extraArgs: [...extraArgs, '--cluster-init', '--etcd-client-port', String(clientPort), '--etcd-peer-port', String(await freePort())] });
  let etcdSave: number;
  let etcdFile: string;
  let etcdSeedMs: number;
  try {
    await c.kubectl(['create', 'namespace', 'fill']);
    await c.kubectl(['create', 'configmap', 'template', '-n', 'fill', '--from-literal', `payload=${'x'.repeat(512)}`]);
    const tls = clientTlsOf(await ensureEtcdPki(etcdDir, ['127.0.0.1']));
    // etcd takes each write as a raft round: a few dozen in flight keep it busy without timeouts.
    etcdSeedMs = await seed(await openStore({ backend: 'etcd', etcdEndpoints: [`https://127.0.0.1:${clientPort}`], etcdTls: tls, etcdCallTimeoutMs: 30_000, log: logger('bench-store') }), 64);
    console.error(`seeded ${OBJECTS} ConfigMaps into etcd in ${s(etcdSeedMs)}`);
    let saved: string;
    [saved, etcdSave] = await timed(() => gifee(['snapshot', 'save', '--data-dir', etcdDir, '--name', 'bench']));
    etcdFile = join(root, 'etcd.gifee-snapshot');
    await copyFile(savedPath(saved), etcdFile);
  } finally {
    await c.stop();
  }
  const etcdSize = (await stat(etcdFile)).size;
  const etcdCopy = await copyMs(etcdFile);
  const restored = join(root, 'etcd-restored');
  const restorePorts = ['--etcd-client-port', String(await freePort()), '--etcd-peer-port', String(await freePort())];
  const [r, etcdRestore] = await timed(() => startCluster({ dataDir: restored, env, extraArgs: [...extraArgs, '--cluster-reset', '--restore', etcdFile, ...restorePorts] }));
  try {
    const n = await countConfigMaps(r);
    if (n !== OBJECTS) throw new Error(`after the etcd restore: ${n} ConfigMaps, want ${OBJECTS}`);
  } finally {
    await r.stop();
  }
  report(
    'snapshot-scale etcd',
    `${OBJECTS} ConfigMaps (snapshot ${mib(etcdSize)}): save ${s(etcdSave)} (online, one managed member), \`--cluster-reset --restore\` into an empty data dir to /readyz ${s(etcdRestore)} (etcdctl snapshot restore, etcd and server start); seeded into etcd at ${((OBJECTS / etcdSeedMs) * 1000).toFixed(0)}/s; load ${load()}`,
    `copy + fsync of the snapshot file ${s(etcdCopy)}`,
    etcdRestore / etcdCopy,
    `save/copy ${(etcdSave / etcdCopy).toFixed(1)}`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
