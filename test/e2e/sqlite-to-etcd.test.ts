// Moving a single-machine cluster to HA storage as a user does: a SQLite `gifee server` with a
// Deployment, ConfigMaps and a Secret made with kubectl is stopped, then started with --store etcd on
// the same data dir against a fresh etcd. It migrates on start: kubectl sees every object with its
// uid, the Deployment's pods are the same ones (scaling up adds only the missing one), and a restart
// does not migrate again. Putting the old store back beside an etcd in use is refused with the reason.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, cliCommand, freePort, repoRoot, type Cluster } from '../helpers/cluster.js';
import { etcdAvailable } from '../helpers/backends.js';
import { startEtcd, type EtcdProcess } from '../helpers/etcd.js';
import { until } from '../helpers/wait.js';

const clusters: Cluster[] = [];
let etcd: EtcdProcess | undefined;
let root: string | undefined;
after(async () => {
  for (const c of clusters) await c.stop().catch(() => {});
  await etcd?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

type Meta = { name: string; uid: string };
const metas = async (c: Cluster, kind: string) => (JSON.parse((await c.kubectl(['get', kind, '-n', 'moving', '-o', 'json'])).stdout).items as { metadata: Meta }[]).map((i) => `${i.metadata.name} ${i.metadata.uid}`).sort();

test('a SQLite cluster started on an empty etcd moves into it: same objects and uids, pods adopted, migrated once', { skip: etcdAvailable() ? false : 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, async () => {
  root = await mkdtemp(join(tmpdir(), 'gifee-migrate-e2e-'));
  const data = join(root, 'data');
  await mkdir(data);
  const sqlite = await startCluster({ dataDir: data });
  clusters.push(sqlite);
  await sqlite.kubectl(['create', 'namespace', 'moving']);
  await sqlite.kubectl(['create', 'deployment', 'web', '-n', 'moving', '--image=registry.local/web:1', '--replicas=2']);
  await sqlite.kubectl(['create', 'configmap', 'settings', '-n', 'moving', '--from-literal=mode=ha']);
  await sqlite.kubectl(['create', 'configmap', 'more', '-n', 'moving', '--from-literal=k=v']);
  await sqlite.kubectl(['create', 'secret', 'generic', 'creds', '-n', 'moving', '--from-literal=password=s3cret']);
  await until('the deployment has its 2 pods', async () => (await metas(sqlite, 'pods')).length === 2);
  const before = { deployments: await metas(sqlite, 'deployments'), replicasets: await metas(sqlite, 'replicasets'), pods: await metas(sqlite, 'pods'), configmaps: await metas(sqlite, 'configmaps'), secrets: await metas(sqlite, 'secrets') };
  await sqlite.stop();

  etcd = await startEtcd();
  const ha = await startCluster({ dataDir: data, backend: 'etcd', etcdEndpoints: etcd.endpoints });
  clusters.push(ha);
  assert.match(ha.logs(), /migrated the SQLite store into etcd/);
  assert.equal(existsSync(join(data, 'state.db')), false);
  // Still every Secret of the cluster: as private as state.db was.
  assert.equal((await stat(join(data, 'state.db.migrated-to-etcd'))).mode & 0o777, 0o600);
  for (const [kind, items] of Object.entries(before)) assert.deepEqual(await metas(ha, kind), items, kind);
  const secret = JSON.parse((await ha.kubectl(['get', 'secret', 'creds', '-n', 'moving', '-o', 'json'])).stdout);
  assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');

  // The ReplicaSet controller on etcd counts the two pods it finds as its own: scaling to 3 adds one.
  await ha.kubectl(['scale', 'deployment', 'web', '-n', 'moving', '--replicas=3']);
  await until('the deployment has 3 pods', async () => (await metas(ha, 'pods')).length === 3);
  const pods = await metas(ha, 'pods');
  for (const p of before.pods) assert.ok(pods.includes(p), `${p} kept`);
  // A new object on etcd gets a resourceVersion above every migrated one.
  await ha.kubectl(['create', 'configmap', 'after', '-n', 'moving']);
  const rv = (name: string) => ha.kubectl(['get', 'configmap', name, '-n', 'moving', '-o', 'jsonpath={.metadata.resourceVersion}']).then((r) => Number(r.stdout));
  assert.ok((await rv('after')) > (await rv('settings')));

  // A restart on the same data dir and etcd does not migrate again.
  await ha.restart();
  assert.equal(ha.logs().match(/migrating the SQLite store into etcd/g)?.length, 1);
  assert.deepEqual(await metas(ha, 'configmaps'), [...before.configmaps, (await metas(ha, 'configmaps')).find((m) => m.startsWith('after '))!].sort());
  await ha.stop();

  // The old store put back while etcd holds the cluster: which is the truth? The server will not guess.
  await copyFile(join(data, 'state.db.migrated-to-etcd'), join(data, 'state.db'));
  const port = await freePort();
  const r = await new Promise<{ code: number; err: string }>((resolve) =>
    execFile(process.execPath, [...cliCommand(), 'server', '--data-dir', data, '--port', String(port), '--bind-address', '127.0.0.1', '--no-agent', '--kubeconfig', join(root!, 'kc'), '--store', 'etcd', '--etcd-endpoints', etcd!.endpoints.join(',')], { cwd: repoRoot, timeout: 60_000 }, (e, _out, err) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, err: String(err) }),
    ),
  );
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /etcd at .* is not empty .* never migrated\. gifee cannot tell which of the two is the cluster/);
  assert.match(r.err, /If etcd is: move .*state\.db/);
  assert.ok(existsSync(join(data, 'state.db')), 'the refused store is left where it was');
});

test('gifee server --cluster-init on a SQLite data dir moves the cluster into its new managed etcd member', { skip: etcdAvailable() ? false : 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-migrate-init-'));
  try {
    const data = join(dir, 'data');
    await mkdir(data);
    const sqlite = await startCluster({ dataDir: data });
    clusters.push(sqlite);
    await sqlite.kubectl(['create', 'namespace', 'moving']);
    await sqlite.kubectl(['create', 'configmap', 'settings', '-n', 'moving', '--from-literal=mode=ha']);
    await sqlite.kubectl(['create', 'secret', 'generic', 'creds', '-n', 'moving', '--from-literal=password=s3cret']);
    const before = { configmaps: await metas(sqlite, 'configmaps'), secrets: await metas(sqlite, 'secrets') };
    await sqlite.stop();

    const ha = await startCluster({ dataDir: data, extraArgs: ['--cluster-init', '--etcd-client-port', String(await freePort()), '--etcd-peer-port', String(await freePort())] });
    clusters.push(ha);
    assert.match(ha.logs(), /migrated the SQLite store into etcd/);
    assert.equal(existsSync(join(data, 'state.db')), false);
    assert.ok(existsSync(join(data, 'etcd', 'member.json')), 'a managed member');
    for (const [kind, items] of Object.entries(before)) assert.deepEqual(await metas(ha, kind), items, kind);
    const secret = JSON.parse((await ha.kubectl(['get', 'secret', 'creds', '-n', 'moving', '-o', 'json'])).stdout);
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
    await ha.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
