// Graceful shutdown at scale: a server with many pods and many open watches, sent SIGINT, finishes
// its own clean shutdown (components, listeners, watches, store) before its forced-exit timer, and
// exits 0.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { clientConfigFromKubeconfig } from '../../src/client/kubeconfig.js';

const PODS = 2000;
const WATCHES = 500;

describe('graceful shutdown', () => {
  let cluster: Cluster;
  let agent: https.Agent;
  before(async () => {
    cluster = await startCluster();
    const c = await clientConfigFromKubeconfig(cluster.kubeconfig);
    agent = new https.Agent({ ca: c.ca, cert: c.cert, key: c.key, keepAlive: true, maxSockets: Infinity });
  });
  after(async () => {
    agent?.destroy();
    await cluster?.stop();
  });

  const post = (path: string, body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = https.request(cluster.url + path, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(data);
    });

  it('exits cleanly, before its forced-exit timer, with many pods and watches', async () => {
    // Pods no scheduler takes: otherwise its 2,000 status patches stream to every watch below while
    // they open (a fan-out the watch benchmark measures; here it only slows the set-up).
    for (let i = 0; i < PODS; i += 50) {
      const codes = await Promise.all(Array.from({ length: 50 }, (_, j) => post('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i + j}` }, spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } })));
      assert.ok(
        codes.every((c) => c === 201),
        `pod creates: ${codes.join(',')}`,
      );
    }
    // Open watches that stay open, each on its own connection, from now on (no initial events).
    const rv = (await cluster.request('GET', '/api/v1/pods?limit=1')).json.metadata.resourceVersion;
    const watches: ClientRequest[] = [];
    for (let i = 0; i < WATCHES; i++) {
      const req = https.get(`${cluster.url}/api/v1/pods?watch=1&resourceVersion=${rv}`, { agent }, (res) => {
        res.on('data', () => {});
        res.on('error', () => {});
      });
      req.on('error', () => {});
      watches.push(req);
    }
    const podWatchers = async () => Number(/apiserver_registered_watchers\{group="",resource="pods"\} (\d+)/.exec((await cluster.request('GET', '/metrics')).body)?.[1] ?? 0);
    await until(`${WATCHES} watches open`, async () => (await podWatchers()) >= WATCHES, { context: async () => `${await podWatchers()} open` });

    process.kill(cluster.pid, 'SIGINT');
    await until(
      'the server exits',
      async () => {
        try {
          process.kill(cluster.pid, 0);
          return false;
        } catch {
          return true;
        }
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const logs = cluster.logs();
    assert.doesNotMatch(logs, /forced exit/, 'the forced-exit timer did not fire');
    const done = logs.split('\n').filter((l) => l.includes('"msg":"shut down"'));
    assert.equal(done.length, 1, `a clean shutdown was logged:\n${logs.split('\n').slice(-30).join('\n')}`);
    for (const w of watches) w.destroy();
  });
});
