// A worker's agent serves its own process metrics (as the kubelet does on its port), to clients with
// a certificate from the cluster CA only.

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

let dir: string;
let pki: Pki;
let server: StreamServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-agent-metrics-'));
  pki = await ensurePki(dir, ['127.0.0.1']);
  server = await startStreamServer({ host: '127.0.0.1', port: 0, tls: { cert: pki.server.cert, key: pki.server.key, clientCA: pki.ca.cert }, target: {} as StreamTarget, auth: new StreamAuth({ nodeName: 'n', certUsers: ['system:admin'] }) });
});
after(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, withCert: boolean) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    https
      .get(`https://127.0.0.1:${server.port}${path}`, { ca: pki.ca.cert, servername: 'localhost', ...(withCert ? { cert: pki.admin.cert, key: pki.admin.key } : {}) }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });

test('/metrics: event-loop lag and process metrics, for cluster clients only', async () => {
  const ok = await get('/metrics', true);
  assert.equal(ok.status, 200);
  assert.match(ok.body, /^nodejs_eventloop_lag_seconds /m);
  assert.match(ok.body, /^process_resident_memory_bytes /m);
  assert.equal((await get('/metrics', false)).status, 401);
});
