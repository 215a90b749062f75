// `gifee server` starts a cluster with the CSIDriver local.csi.gifee.dev and the default StorageClass
// local, as kubectl shows them; a restart leaves the administrator's edit of the class alone; and
// --no-default-storage-class starts one without either.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type Cluster, startCluster } from '../helpers/cluster.js';

// Every cluster a test starts is stopped at the end, even when an assertion fails half-way.
const started: Cluster[] = [];
let dataDir: string | undefined;
const start = async (o: Parameters<typeof startCluster>[0]) => {
  const c = await startCluster(o);
  started.push(c);
  return c;
};
after(async () => {
  for (const c of started) await c.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

test('the default StorageClass and CSIDriver exist at start, and a restart keeps the edits', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gifee-e2e-storage-'));
  let c = await start({ dataDir });
  assert.match((await c.kubectl(['get', 'sc'])).stdout, /^local \(default\)\s+local\.csi\.gifee\.dev\s+Delete\s+WaitForFirstConsumer\s+true\s+\S+$/m);
  assert.match((await c.kubectl(['get', 'csidrivers'])).stdout, /^local\.csi\.gifee\.dev\s+false\s+false\s+true\s+<unset>\s+false\s+Persistent\s+\S+$/m);
  // The administrator makes it not the default and keeps released volumes' data.
  await c.kubectl(['annotate', 'sc', 'local', '--overwrite', 'storageclass.kubernetes.io/is-default-class=false']);
  await c.stop();
  c = await start({ dataDir });
  assert.match((await c.kubectl(['get', 'sc'])).stdout, /^local\s+local\.csi\.gifee\.dev\s+/m, 'still not the default after a restart');
  assert.equal((await c.kubectl(['get', 'sc', 'local', '-o', 'jsonpath={.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class}'])).stdout, 'false');
});

test('--no-default-storage-class: neither object', async () => {
  const c = await start({ extraArgs: ['--no-default-storage-class'] });
  assert.equal((await c.kubectl(['get', 'sc', '-o', 'name'])).stdout.trim(), '');
  assert.equal((await c.kubectl(['get', 'csidrivers', '-o', 'name'])).stdout.trim(), '');
});
