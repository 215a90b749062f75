// The statistics endpoints on the agent's port pass the same authentication and authorization as
// the kubelet's other paths: nodes/metrics for /metrics/*, nodes/stats for /stats/*.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, type Pki } from '../../cli/pki.js';
import { startStreamServer, type StreamServer } from './server.js';
import type { StreamTarget } from './target.js';
import { StreamAuth } from './auth.js';
import type { AccessReviews } from './access-reviews.js';

let dir: string;
let pki: Pki;
let server: StreamServer;
const asked: string[] = [];
const reviews: AccessReviews = {
  tokenReview: async (token) => (token === 'scraper' || token === 'nobody' ? { name: token, groups: ['system:authenticated'] } : null),
  subjectAccessReview: async (user, attrs) => {
    asked.push(`${user.name} ${attrs.verb} nodes/${attrs.subresource}`);
    return user.name === 'scraper' && (attrs.subresource === 'metrics' || attrs.subresource === 'stats');
  },
};
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-agent-stats-ep-'));
  pki = await ensurePki(dir, ['127.0.0.1']);
  server = await startStreamServer({
    host: '127.0.0.1',
    port: 0,
    tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert },
    target: {} as StreamTarget,
    auth: new StreamAuth({ nodeName: 'n', certUsers: ['system:admin'], reviews }),
    stats: {
      resourceMetrics: async () => 'resource_scrape_error 0\n',
      cadvisorMetrics: async () => 'container_scrape_error 0\n',
      summary: async (_req, only) => ({ node: { nodeName: 'n' }, pods: [], only }),
    },
  });
});
after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, token?: string, method = 'GET') =>
  new Promise<{ status: number; body: string; type?: string }>((resolve, reject) => {
    https
      .request(`https://127.0.0.1:${server.port}${path}`, { method, ca: pki.ca.cert, servername: 'localhost', headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
      })
      .on('error', reject)
      .end();
  });

test('authorized scrapers get Prometheus text and the summary JSON', async () => {
  const r = await get('/metrics/resource', 'scraper');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'resource_scrape_error 0\n');
  assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal((await get('/metrics/cadvisor', 'scraper')).body, 'container_scrape_error 0\n');
  const s = await get('/stats/summary?only_cpu_and_memory=true', 'scraper');
  assert.equal(s.status, 200);
  assert.deepEqual(JSON.parse(s.body), { node: { nodeName: 'n' }, pods: [], only: true });
  assert.ok(asked.includes('scraper get nodes/metrics'));
  assert.ok(asked.includes('scraper get nodes/stats'));
});

test('unauthenticated: 401; authenticated but not allowed nodes/metrics or nodes/stats: 403', async () => {
  for (const p of ['/metrics/resource', '/metrics/cadvisor', '/stats/summary']) {
    assert.equal((await get(p)).status, 401, p);
    assert.equal((await get(p, 'bogus')).status, 401, p);
    const denied = await get(p, 'nobody');
    assert.equal(denied.status, 403, p);
    assert.match(denied.body, new RegExp(`subresource=${p.startsWith('/stats') ? 'stats' : 'metrics'}`));
  }
});

test('only GET (and HEAD) are served', async () => {
  assert.equal((await get('/metrics/resource', 'scraper', 'POST')).status, 405);
});
