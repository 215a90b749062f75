// The quota controller against a real API server in this process: status.hard follows spec.hard,
// status.used counts pods (compute and count), configmaps through a resource it starts watching
// when a quota first names it, follows creates and deletes, and releases a pod that finished.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { until } from '../../../test/helpers/wait.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { ResourceQuotaController } from './resourcequota.js';

const QUOTAS = { group: '', version: 'v1', plural: 'resourcequotas' };

test('the quota controller keeps status.used to what the namespace holds', async () => {
  const api = await startInProcessApi();
  const client = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  const factory = new InformerFactory(client, logger('informers'));
  const ctl = new ResourceQuotaController(client, factory, logger('resourcequota'), { resyncMs: 60_000 });
  try {
    ctl.start();
    await client.create(QUOTAS, 'default', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '5', configmaps: '3', 'count/configmaps': '3', 'requests.cpu': '2000m' } } });
    const status = async () => (await client.get(QUOTAS, 'default', 'q')).status as { hard?: object; used?: object } | undefined;
    const usedIs = (want: object) => until(`used ${JSON.stringify(want)}`, async () => JSON.stringify((await status())?.used) === JSON.stringify(want), { timeoutMs: 20_000, context: async () => JSON.stringify(await status()) });
    await usedIs({ configmaps: '0', 'count/configmaps': '0', pods: '0', 'requests.cpu': '0' });
    assert.deepEqual((await status())?.hard, { configmaps: '3', 'count/configmaps': '3', pods: '5', 'requests.cpu': '2' });

    for (const name of ['a', 'b']) await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    await client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m' } } }] } });
    await usedIs({ configmaps: '2', 'count/configmaps': '2', pods: '1', 'requests.cpu': '500m' });

    await client.delete(R.configmaps, 'default', 'a');
    await client.patch(R.pods, 'default', 'p', { status: { phase: 'Succeeded' } }, 'merge', 'status');
    await usedIs({ configmaps: '1', 'count/configmaps': '1', pods: '0', 'requests.cpu': '0' });

    // A spec change is seen at once.
    await client.patch(QUOTAS, 'default', 'q', { spec: { hard: { pods: '7' } } }, 'merge');
    await until('status.hard follows spec.hard', async () => JSON.stringify((await status())?.hard) === JSON.stringify({ configmaps: '3', 'count/configmaps': '3', pods: '7', 'requests.cpu': '2' }), { timeoutMs: 20_000 });
  } finally {
    ctl.stop();
    factory.stop();
    client.close();
    await api.stop();
  }
});
