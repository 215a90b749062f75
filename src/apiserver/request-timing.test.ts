// Request start times: a new connection's first request counts from the TCP accept (so a slow TLS
// handshake or a busy loop before the headers are parsed is included); later requests on the same
// kept-alive connection count from their own arrival, not from the connection's.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ensurePki, type Pki } from '../cli/pki.js';
import { requestStartTimes } from './request-timing.js';

let dir: string;
let pki: Pki;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gifee-reqtiming-'));
  pki = await ensurePki(dir, ['127.0.0.1']);
});
after(() => rm(dir, { recursive: true, force: true }));

test('the first request on a connection starts at the accept, later ones at their arrival', async () => {
  const server = https.createServer({ cert: pki.server.cert, key: pki.server.key });
  const startOf = requestStartTimes(server);
  let acceptSeen = 0n;
  server.on('connection', () => (acceptSeen = process.hrtime.bigint()));
  const seen: { start: bigint; handled: bigint }[] = [];
  server.on('request', (req, res) => {
    seen.push({ start: startOf(req), handled: process.hrtime.bigint() });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const agent = new https.Agent({ ca: pki.ca.cert, keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      https
        .get(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`, { agent, servername: 'localhost' }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  try {
    await get();
    await get();
  } finally {
    agent.destroy();
    server.close();
  }
  assert.equal(seen.length, 2);
  assert.ok(seen[0].start <= acceptSeen, 'first request: from the accept, before the handshake');
  assert.ok(seen[1].start > seen[0].handled, 'second request: from its own arrival');
});
