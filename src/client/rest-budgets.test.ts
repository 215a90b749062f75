// Connection budgets: a process with more open watches than the request pool has connections still
// gets its requests through (a lease renewal must never wait behind watches). Against a tiny HTTPS
// server on loopback whose watches stay open until the client aborts them.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { Socket } from 'node:net';
import { createCa, issueCert } from '../cli/pki.js';
import { until } from '../../test/helpers/wait.js';
import { R } from './resources.js';
import { RestClient } from './rest.js';

let server: https.Server;
let url = '';
let ca: { cert: string; key: string };
const sockets = new Set<Socket>();
let openWatches = 0;

before(async () => {
  ca = await createCa('budget-test-ca');
  const tls = await issueCert(ca, { commonName: 'apiserver', usage: 'server', dnsNames: ['localhost'], ips: ['127.0.0.1'] });
  server = https.createServer(tls, (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url?.includes('watch=1')) {
      // A watch: headers now, events never; it ends when the client aborts it.
      openWatches++;
      res.on('close', () => openWatches--);
      res.writeHead(200);
      res.flushHeaders();
      return;
    }
    res.end(JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '1' } }));
  });
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => {
  server.close();
  for (const s of sockets) s.destroy();
});

it('requests get through while more watches are open than the request pool has connections', async () => {
  const client = new RestClient({ server: url, ca: ca.cert, token: 't', requestTimeoutMs: 5000 });
  const watches = Array.from({ length: 80 }, () => client.watch(R.configmaps, undefined, {}, () => {}));
  try {
    await until('80 watches open on the server', async () => openWatches === 80);
    const got = await client.get(R.configmaps, 'default', 'x');
    assert.equal(got.metadata?.name, 'x');
  } finally {
    for (const w of watches) w.abort();
    await Promise.allSettled(watches.map((w) => w.done));
    client.close();
  }
});
