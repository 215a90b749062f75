// The default storage objects against a real API server (SQLite, loopback): created at start,
// created again only when missing, never updated, and never marked default over the user's class.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KObject } from '../api/kind.js';
import { ensurePki } from '../cli/pki.js';
import { RestClient } from '../client/rest.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { logger } from '../util/log.js';
import { type ApiServer, startApiServer } from './server.js';
import { ensureDefaultStorage } from './storage-bootstrap.js';

let dir: string;
let store: Store;
let api: ApiServer;
let admin: RestClient;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-storage-bootstrap-'));
  const pki = await ensurePki(dir, ['127.0.0.1']);
  store = await openStore({ backend: 'sqlite', dataDir: dir });
  api = await startApiServer({ store, host: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert }, log: logger('apiserver'), compactionIntervalMs: 0, defaultStorage: true });
  admin = new RestClient({ server: api.url, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
});
after(async () => {
  admin?.close();
  await api?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

const SC = '/apis/storage.k8s.io/v1/storageclasses';
const DEFAULT = 'storageclass.kubernetes.io/is-default-class';

test('a new cluster has the CSIDriver and the default StorageClass local', async () => {
  const sc = await admin.request<KObject & Record<string, unknown>>('GET', `${SC}/local`);
  assert.equal(sc.metadata?.annotations?.[DEFAULT], 'true');
  assert.equal(sc.provisioner, 'local.csi.gifee.dev');
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'WaitForFirstConsumer');
  assert.equal(sc.allowVolumeExpansion, true);
  const d = await admin.request('GET', '/apis/storage.k8s.io/v1/csidrivers/local.csi.gifee.dev');
  assert.deepEqual(d.spec, { attachRequired: false, podInfoOnMount: false, fsGroupPolicy: 'File', volumeLifecycleModes: ['Persistent'], storageCapacity: true, requiresRepublish: false, seLinuxMount: (d.spec as { seLinuxMount?: boolean }).seLinuxMount });
  // A claim without a class gets it.
  const pvc = await admin.request('POST', '/api/v1/namespaces/default/persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  assert.equal((pvc.spec as { storageClassName?: string }).storageClassName, 'local');
  assert.deepEqual(await ensureDefaultStorage(api.state), [], 'nothing to create a second time');
});

test("the user's edits stay; a deleted class comes back, not default when another class is", async () => {
  const sc = await admin.request('GET', `${SC}/local`);
  sc.metadata!.annotations = {};
  await admin.request('PUT', `${SC}/local`, sc);
  assert.deepEqual(await ensureDefaultStorage(api.state), []);
  assert.equal((await admin.request('GET', `${SC}/local`)).metadata?.annotations?.[DEFAULT], undefined, 'the unmarked default stays unmarked');

  await admin.request('DELETE', `${SC}/local`);
  await admin.request('POST', SC, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', annotations: { [DEFAULT]: 'true' } }, provisioner: 'example.com/nfs' });
  assert.deepEqual(await ensureDefaultStorage(api.state), ['storageclasses/local']);
  assert.equal((await admin.request('GET', `${SC}/local`)).metadata?.annotations?.[DEFAULT], undefined, 'standard keeps the default');

  await admin.request('DELETE', `${SC}/local`);
  await admin.request('DELETE', `${SC}/standard`);
  await admin.request('DELETE', '/apis/storage.k8s.io/v1/csidrivers/local.csi.gifee.dev');
  assert.deepEqual(await ensureDefaultStorage(api.state), ['csidrivers/local.csi.gifee.dev', 'storageclasses/local']);
  assert.equal((await admin.request('GET', `${SC}/local`)).metadata?.annotations?.[DEFAULT], 'true');
});
