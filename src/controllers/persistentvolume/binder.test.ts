// The binder against a real API server in this process, with two workers racing: many claims and
// volumes created at once end one-to-one (no volume given to two claims, no claim to two volumes),
// each pair with both halves written; and a volume pre-bound to a claim by name goes to that claim.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { until } from '../../../test/helpers/wait.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { PersistentVolumeBinder } from './binder.js';
import type { Pv, Pvc } from '../../api/storage/types.js';

const N = 12;

test('claims and volumes created together bind one-to-one; a pre-bound volume goes to its claim', async () => {
  const api = await startInProcessApi();
  const client = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  const factory = new InformerFactory(client, logger('informers'));
  const binder = new PersistentVolumeBinder(client, factory, logger('binder'));
  try {
    binder.start();
    const volume = (name: string, size: string, claimRef?: object) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: `/tmp/${name}` }, ...(claimRef ? { claimRef } : {}) } });
    const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } } } });
    // Reserved before its claim exists (a volume pre-bound after its claim bound elsewhere stays Available).
    await client.create(R.persistentvolumes, undefined, volume('reserved', '50Gi', { namespace: 'default', name: 'c0' }));
    await until('the reserved volume seen', async () => ((await client.get(R.persistentvolumes, undefined, 'reserved')) as Pv).status?.phase === 'Available', { timeoutMs: 10_000 });
    await Promise.all([...Array.from({ length: N }, (_, i) => client.create(R.persistentvolumeclaims, 'default', claim(`c${i}`))), ...Array.from({ length: N }, (_, i) => client.create(R.persistentvolumes, undefined, volume(`v${i}`, `${1 + (i % 3)}Gi`)))]);
    const claims = async () => (await client.list(R.persistentvolumeclaims, 'default')).items as Pvc[];
    const volumes = async () => (await client.list(R.persistentvolumes)).items as Pv[];
    await until(
      'every claim Bound',
      async () => {
        const cs = await claims();
        return cs.length === N && cs.every((c) => c.status?.phase === 'Bound');
      },
      { timeoutMs: 30_000, context: async () => JSON.stringify((await claims()).map((c) => [c.metadata?.name, c.status?.phase, c.spec?.volumeName])) },
    );
    const cs = await claims();
    const vs = new Map((await volumes()).map((v) => [v.metadata!.name!, v]));
    assert.equal(cs.find((c) => c.metadata?.name === 'c0')?.spec?.volumeName, 'reserved', 'the pre-bound volume, though the largest');
    assert.equal(new Set(cs.map((c) => c.spec?.volumeName)).size, N, 'no volume given twice');
    for (const c of cs) {
      const v = vs.get(c.spec!.volumeName!)!;
      assert.equal(v.spec?.claimRef?.uid, c.metadata?.uid, `${v.metadata?.name} names ${c.metadata?.name}`);
      await until(`${v.metadata?.name} Bound`, async () => ((await client.get(R.persistentvolumes, undefined, v.metadata!.name!)) as Pv).status?.phase === 'Bound', { timeoutMs: 10_000 });
    }
    const left = [...vs.values()].filter((v) => !v.spec?.claimRef);
    assert.equal(left.length, 1, 'one volume left over');
    await until('the left-over volume Available', async () => ((await client.get(R.persistentvolumes, undefined, left[0].metadata!.name!)) as Pv).status?.phase === 'Available', { timeoutMs: 10_000 });
  } finally {
    binder.stop();
    factory.stop();
    client.close();
    await api.stop();
  }
});
