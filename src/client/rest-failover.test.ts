// RestClient over two API servers, as two tiny HTTPS servers on loopback sharing one CA: requests
// stick to the first while it works, move to the second when the first is closed abruptly, reads
// are retried there, a write that reached the dying server is not, and an informer's watch cut by
// the dying server resumes on the other from its last resourceVersion without listing again.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { createCa, issueCert } from '../cli/pki.js';
import { until } from '../../test/helpers/wait.js';
import { logger } from '../util/log.js';
import { Informer } from './informer.js';
import { R } from './resources.js';
import { RestClient } from './rest.js';
import { RotatingCredentials } from './rotating-credentials.js';
import { discoverServers } from './server-discovery.js';

interface Seen {
  method: string;
  url: string;
}

/** A fake API server: answers through `handle`, records every request, and can die abruptly. */
class FakeServer {
  readonly seen: Seen[] = [];
  private sockets = new Set<Socket>();
  private server!: https.Server;
  url = '';
  handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end(JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '1' } }));

  async start(tls: { cert: string; key: string }) {
    this.server = https.createServer(tls, (req, res) => {
      this.seen.push({ method: req.method ?? '', url: req.url ?? '' });
      res.setHeader('Content-Type', 'application/json');
      this.handle(req, res);
    });
    this.server.on('secureConnection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `https://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** As a process killed -9: the listener closes and every connection is cut mid-whatever. */
  kill() {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }

  count(method: string, path: string) {
    return this.seen.filter((s) => s.method === method && s.url.startsWith(path)).length;
  }
}

describe('RestClient over two servers', () => {
  let ca: { cert: string; key: string };
  let tls: { cert: string; key: string };
  const log = logger('test');
  before(async () => {
    ca = await createCa('failover-test-ca');
    tls = await issueCert(ca, { commonName: 'apiserver', usage: 'server', dnsNames: ['localhost'], ips: ['127.0.0.1'] });
  });

  async function pair() {
    const a = new FakeServer();
    const b = new FakeServer();
    await a.start(tls);
    await b.start(tls);
    const client = new RestClient({ server: a.url, servers: [b.url], ca: ca.cert, token: 't', connectTimeoutMs: 2000 });
    return { a, b, client };
  }
  const clients: RestClient[] = [];
  const servers: FakeServer[] = [];
  after(() => {
    for (const c of clients) c.close();
    for (const s of servers) s.kill();
  });
  const setup = async () => {
    const p = await pair();
    clients.push(p.client);
    servers.push(p.a, p.b);
    return p;
  };

  it('sticks to the first server while it works, then fails over when it is killed', async () => {
    const { a, b, client } = await setup();
    for (let i = 0; i < 5; i++) await client.get(R.configmaps, 'default', 'x');
    assert.equal(a.count('GET', '/api/v1/namespaces/default/configmaps/x'), 5);
    assert.equal(b.seen.length, 0);
    a.kill();
    // The keep-alive connection to a is gone and its port refuses: the GET lands on b.
    const got = await client.get(R.configmaps, 'default', 'x');
    assert.equal(got.metadata?.name, 'x');
    assert.equal(b.count('GET', '/api/v1/namespaces/default/configmaps/x'), 1);
    assert.equal(client.pool.snapshot()[0].failures, 1, 'a is backed off');
    // And stays there: a is not tried again while b works.
    const before = a.seen.length;
    for (let i = 0; i < 3; i++) await client.get(R.configmaps, 'default', 'x');
    assert.equal(a.seen.length, before);
    assert.equal(b.count('GET', '/api/v1/namespaces/default/configmaps/x'), 4);
  });

  it('a write to a server that refuses connections goes to the next one (it was never sent)', async () => {
    const { a, b, client } = await setup();
    a.kill();
    await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    assert.equal(b.count('POST', '/api/v1/namespaces/default/configmaps'), 1);
  });

  it('a server that accepts connections but never completes TLS times out, and even a write goes on (it was never sent)', async () => {
    const { b } = await setup();
    // A hung server: the TCP connection is accepted, then nothing.
    const held: Socket[] = [];
    const hung = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const url = `https://127.0.0.1:${(hung.address() as { port: number }).port}`;
      const client = new RestClient({ server: url, servers: [b.url], ca: ca.cert, token: 't', connectTimeoutMs: 300 });
      clients.push(client);
      await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
      assert.equal(b.count('POST', '/api/v1/namespaces/default/configmaps'), 1);
      assert.equal(client.pool.snapshot()[0].failures, 1);
    } finally {
      for (const s of held) s.destroy();
      hung.close();
    }
  });

  it('a write cut after it reached the server is not sent again; a read is retried', async () => {
    const { a, b, client } = await setup();
    // a takes requests and dies before answering, as a server killed mid-request.
    a.handle = (req) => req.socket.destroy();
    await assert.rejects(client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }), (e: Error & { code?: string }) => typeof e.code === 'string' && e.message.startsWith(`POST /api/v1/namespaces/default/configmaps on ${a.url}: `));
    assert.equal(a.count('POST', '/api/v1/namespaces/default/configmaps'), 1);
    assert.equal(b.count('POST', '/api/v1/namespaces/default/configmaps'), 0, 'the create may have been applied by a: not repeated');
    // The pool moved to b: the next write goes there.
    await client.create(R.configmaps, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y' } });
    assert.equal(b.count('POST', '/api/v1/namespaces/default/configmaps'), 1);
    // A read cut mid-answer by one server is answered by the other.
    const { a: a2, b: b2, client: c2 } = await setup();
    a2.handle = (_req, res) => {
      res.write('{"kind":');
      setImmediate(() => res.socket?.destroy());
    };
    assert.equal((await c2.get(R.configmaps, 'default', 'x')).metadata?.name, 'x');
    assert.equal(a2.count('GET', '/api/v1/namespaces/default/configmaps/x'), 1);
    assert.equal(b2.count('GET', '/api/v1/namespaces/default/configmaps/x'), 1);
  });

  it('a gateway error moves a read to the next server; an API error (503 from a live server) does not', async () => {
    const { a, b, client } = await setup();
    a.handle = (_req, res) => {
      res.statusCode = 502;
      res.end('bad gateway');
    };
    assert.equal((await client.get(R.configmaps, 'default', 'x')).metadata?.name, 'x');
    assert.equal(b.seen.length, 1);
    // Both behind failing gateways: the last answer is the error, and both are backed off.
    b.handle = a.handle;
    await assert.rejects(client.get(R.configmaps, 'default', 'y'), (e: Error & { code?: number }) => e.code === 502);
    assert.deepEqual(
      client.pool.snapshot().map((s) => s.failures),
      [1, 1],
    );
    const p = await setup();
    p.a.handle = (_req, res) => {
      res.statusCode = 503;
      res.end(JSON.stringify({ kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: 'aggregated API down' }));
    };
    await assert.rejects(p.client.get(R.configmaps, 'default', 'x'), /aggregated API down/);
    assert.equal(p.b.seen.length, 0);
    assert.equal(p.client.pool.snapshot()[0].failures, 0);
  });

  it('a watch cut by renewing the client certificate does not count against its server', async () => {
    const { a, b } = await setup();
    const first = await issueCert(ca, { commonName: 'one', usage: 'client' });
    const second = await issueCert(ca, { commonName: 'two', usage: 'client' });
    const creds = new RotatingCredentials(first.cert, first.key);
    const client = new RestClient({ server: a.url, servers: [b.url], ca: ca.cert, rotating: creds });
    clients.push(client);
    a.handle = (req, res) => {
      if (req.url?.includes('watch=1')) res.write('\n');
      else res.end('{}');
    };
    const w = client.watch(R.configmaps, 'default', {}, () => {});
    const ended = w.done.then(
      () => 'ended',
      (e: Error & { code?: string }) => e.code,
    );
    await until('the watch on a', async () => a.count('GET', '/api/v1/namespaces/default/configmaps?') === 1);
    creds.set(second.cert, second.key);
    await client.request('GET', '/x'); // the next request makes the new pool and cuts the old one's connections
    assert.equal(await ended, 'ECONNRESET', 'the old connection was cut');
    // The client stays on a: the next request goes there, not to b.
    await client.request('GET', '/y');
    assert.equal(a.count('GET', '/y'), 1);
    assert.equal(b.seen.length, 0);
  });

  it('learns the servers the kubernetes Endpoints list, and keeps them when the read fails', async () => {
    const { a, client } = await setup();
    const port = new URL(a.url).port;
    let answer: unknown = { kind: 'Endpoints', subsets: [{ addresses: [{ ip: '127.0.0.1' }, { ip: '127.0.0.3' }], ports: [{ name: 'https', port: Number(port), protocol: 'TCP' }] }] };
    a.handle = (req, res) => {
      if (req.url !== '/api/v1/namespaces/default/endpoints/kubernetes') res.statusCode = 404;
      res.end(JSON.stringify(answer));
    };
    const told: string[][] = [];
    const d = discoverServers(client, log, { intervalMs: 3_600_000, onLearned: (s) => told.push(s) });
    try {
      await until('the first read', async () => told.length === 1);
      assert.deepEqual(told[0], [`https://127.0.0.1:${port}`, `https://127.0.0.3:${port}`]);
      assert.ok(client.pool.servers.includes(`https://127.0.0.3:${port}`));
      assert.equal(client.pool.servers.length, 3, 'the two seeds and the one learned address that is not a seed');
      // A hostile answer teaches nothing and forgets nothing.
      answer = { kind: 'Endpoints', subsets: [{ addresses: [{ ip: 'evil.example' }], ports: [{ port: 1 }] }] };
      await d.refresh();
      assert.ok(client.pool.servers.includes(`https://127.0.0.3:${port}`));
      assert.equal(told.length, 1);
    } finally {
      d.stop();
    }
  });

  it("an informer's watch cut by a killed server resumes on the other from its last resourceVersion", async () => {
    const { a, b, client } = await setup();
    // Both serve the same store: a list at revision 5, then a watch from it that delivers revision 6.
    const serve = (req: IncomingMessage, res: ServerResponse) => {
      const u = new URL(req.url ?? '/', 'https://x');
      if (u.searchParams.get('watch') !== '1') return res.end(JSON.stringify({ kind: 'ConfigMapList', metadata: { resourceVersion: '5' }, items: [{ kind: 'ConfigMap', metadata: { name: 'one', namespace: 'default', resourceVersion: '5' } }] }));
      res.write(`${JSON.stringify({ type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'two', namespace: 'default', resourceVersion: '6' } } })}\n`);
      // The stream stays open, as a watch does.
    };
    a.handle = serve;
    b.handle = serve;
    const inf = new Informer(client, R.configmaps, log);
    inf.start();
    try {
      await until('the informer holds both objects from a', async () => inf.list().length === 2);
      assert.equal(b.seen.length, 0);
      a.kill();
      await until('a watch on b', async () => b.seen.some((s) => s.url.includes('watch=1')));
      const watch = new URL(b.seen.find((s) => s.url.includes('watch=1'))!.url, 'https://x');
      assert.equal(watch.searchParams.get('resourceVersion'), '6', 'resumed from the last event, not relisted');
      assert.equal(b.seen.filter((s) => !s.url.includes('watch=1')).length, 0, 'no list on b');
      assert.deepEqual(
        inf
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
        ['one', 'two'],
      );
    } finally {
      inf.stop();
    }
  });
});
