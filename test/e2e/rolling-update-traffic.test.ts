// Zero-downtime rolling update under traffic, as issue 5 asks: a client sends requests through a
// Service's ClusterIP while `kubectl set image` rolls the Deployment behind it, and not one request
// fails. It holds because new pods take traffic only once Ready (readiness probe), and an old pod
// leaves the Service's endpoints as soon as it starts terminating, while its preStop hook keeps it
// serving until every node's proxy has dropped it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'needs Linux and root (runc pods, nftables service proxy)' : false;

let c: Cluster;
const jp = async (args: string[], path: string) => (await c.kubectl([...args, '-o', `jsonpath=${path}`], { allowFail: true })).stdout;

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 3000 }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(b.trim()) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  for (const f of [images.web1, images.web2]) await store.importFile(f);
});

after(async () => {
  if (c) await c.stop();
});

test('a rolling update through a Service drops no request', { skip }, async () => {
  await c.kubectl(['apply', '-f', '-'], {
    input: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 10,
              containers: [
                {
                  name: 'web',
                  image: 'gifee.local/web:1',
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 },
                  lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } },
                },
              ],
            },
          },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  });
  await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s']);
  const ip = await jp(['get', 'svc', 'web'], '{.spec.clusterIP}');
  const url = `http://${ip}/`;
  // Wait until the proxy serves the Service.
  for (let i = 0; ; i++) {
    if ((await get(url).catch(() => '')) === 'hello from gifee web') break;
    if (i > 200) throw new Error('the Service never answered');
    await new Promise((r) => setTimeout(r, 100));
  }

  let stop = false;
  const answers = new Map<string, number>();
  const failures: string[] = [];
  let total = 0;
  const client = async () => {
    while (!stop) {
      total++;
      try {
        const b = await get(url);
        answers.set(b, (answers.get(b) ?? 0) + 1);
      } catch (e) {
        failures.push(`${new Date().toISOString()} ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const clients = [client(), client(), client()];
  await new Promise((r) => setTimeout(r, 1000));
  await c.kubectl(['set', 'image', 'deployment/web', 'web=gifee.local/web:2']);
  await c.kubectl(['rollout', 'status', 'deployment/web', '--timeout=180s']);
  // Let the last old pods finish terminating while traffic continues.
  for (let i = 0; i < 120; i++) {
    const pods = await jp(['get', 'pods', '-l', 'app=web'], '{.items[*].spec.containers[0].image}');
    if (!pods.includes('web:1')) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await new Promise((r) => setTimeout(r, 1000));
  stop = true;
  await Promise.all(clients);

  assert.deepEqual(failures, [], `${failures.length} of ${total} requests failed`);
  assert.ok((answers.get('hello from gifee web') ?? 0) > 0, 'v1 answered before the update');
  assert.ok((answers.get('hello from gifee web v2') ?? 0) > 0, 'v2 answers after the update');
  assert.ok(total > 50, `enough traffic (${total} requests)`);
});
