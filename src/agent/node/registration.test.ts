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
import { RestClient, StatusError } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { mayPass, NodeRegistration } from './registration.js';

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

/**
 * A client whose writes fail as a dying server makes them fail: named writes throw once, after (cut)
 * or instead of (503) being sent. Beside agent-server-failover.test.ts, which kills a real server.
 */
class FlakyClient extends RestClient {
  failures = new Map<string, 'cut' | '503' | '403'>();
  private fail(what: string) {
    const how = this.failures.get(what);
    this.failures.delete(what);
    return how;
  }
  override async create(r: Parameters<RestClient['create']>[0], namespace: string | undefined, obj: Parameters<RestClient['create']>[2]) {
    const how = this.fail(`create ${r.plural}`);
    if (how === '503') throw new StatusError(503, 'ServiceUnavailable', 'the server is shutting down');
    if (how === '403') throw new StatusError(403, 'Forbidden', 'nodes is forbidden');
    const out = await super.create(r, namespace, obj);
    if (how === 'cut') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    return out;
  }
  override async patch(...args: Parameters<RestClient['patch']>) {
    const how = this.fail(`patch ${args[0].plural}${args[5] ? `/${args[5]}` : ''}`);
    if (how === '503') throw new StatusError(503, 'ServiceUnavailable', 'the server is shutting down');
    return super.patch(...args);
  }
}

test('registration rides out writes cut or refused by a dying server, and stops at an answer that will not change', async () => {
  const api = await startInProcessApi();
  const client = new FlakyClient({ server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key });
  const dataDir = await mkdtemp(join(tmpdir(), 'gifee-reg-'));
  const regs: NodeRegistration[] = [];
  const registration = (nodeName: string) => {
    const r = new NodeRegistration(client, { nodeName, nodeIP: '127.0.0.1', port: 10250, dataDir, runtime: 'runc', leaseSeconds: 40, onPodCIDR: () => {} }, logger('node'));
    regs.push(r);
    return r;
  };
  try {
    // The Node's create and the Lease's create are applied but their answers lost; the status post is refused once.
    client.failures.set('create nodes', 'cut').set('create leases', 'cut').set('patch nodes/status', '503');
    await registration('n2').register();
    assert.equal(client.failures.size, 0, 'every planned failure happened');
    const lease = await client.get(R.leases, 'kube-node-lease', 'n2');
    assert.equal((lease.spec as { holderIdentity: string }).holderIdentity, 'n2');
    const node = await client.get(R.nodes, undefined, 'n2');
    assert.equal(((node.status as { conditions: Cond[] }).conditions ?? []).find((c) => c.type === 'Ready')?.status, 'True');

    client.failures.set('create nodes', '403');
    await assert.rejects(registration('n3').register(), /nodes is forbidden/);
  } finally {
    for (const r of regs) r.stop();
    client.close();
    await api.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('mayPass: which failed registration steps are tried again', () => {
  const cases: [unknown, boolean][] = [
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' }), true],
    [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), true],
    [new StatusError(503, 'ServiceUnavailable', ''), true],
    [new StatusError(500, 'InternalError', ''), true],
    [new StatusError(429, 'TooManyRequests', ''), true],
    [new StatusError(401, 'Unauthorized', ''), false],
    [new StatusError(403, 'Forbidden', ''), false],
    [new StatusError(422, 'Invalid', ''), false],
    [new TypeError('x is undefined'), false],
  ];
  for (const [e, want] of cases) assert.equal(mayPass(e), want, String(e));
});
