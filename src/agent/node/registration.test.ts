// Node registration against a real API server: the Lease is renewed every quarter of its duration,
// and a Node the node lifecycle controller marked Unknown (missed heartbeats) while the agent runs is
// posted Ready again at once, as the kubelet's status loop repairs it.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { until } from '../../../test/helpers/wait.js';
import { R } from '../../client/resources.js';
import { RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { NodeRegistration } from './registration.js';

type Cond = { type: string; status: string; reason?: string };

test('the lease is renewed every quarter of its duration; a Node marked Unknown while the agent runs is posted Ready again', async () => {
  const api = await startInProcessApi();
  const client = new RestClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  const dataDir = await mkdtemp(join(tmpdir(), 'gifee-reg-'));
  const reg = new NodeRegistration(client, { nodeName: 'n1', nodeIP: '127.0.0.1', port: 10250, dataDir, runtime: 'runc', leaseSeconds: 4, onPodCIDR: () => {} }, logger('node'));
  try {
    await reg.register();
    const renewTime = async () => ((await client.get(R.leases, 'kube-node-lease', 'n1')).spec as { renewTime: string }).renewTime;
    const lease = await client.get(R.leases, 'kube-node-lease', 'n1');
    assert.equal((lease.spec as { leaseDurationSeconds: number }).leaseDurationSeconds, 4);
    const first = await renewTime();
    await until('a renewal within about a second', async () => (await renewTime()) !== first, { timeoutMs: 5_000 });

    const node = await client.get(R.nodes, undefined, 'n1');
    const conditions = ((node.status as { conditions: Cond[] }).conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'Unknown', reason: 'NodeStatusUnknown' } : c));
    await client.update(R.nodes, { ...node, status: { ...(node.status as object), conditions } }, 'status');
    await until('Ready again', async () => ((await client.get(R.nodes, undefined, 'n1')).status as { conditions: Cond[] }).conditions.find((c) => c.type === 'Ready')?.status === 'True', { timeoutMs: 10_000 });
  } finally {
    reg.stop();
    client.close();
    await api.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
