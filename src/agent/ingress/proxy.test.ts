// The data plane against real loopback servers: retries on refusal, no endpoints, timeouts, bounds,
// HTTP/2 on the TLS listener.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect, createSecureContext } from 'node:tls';
import { after, before, test } from 'node:test';
import { logger } from '../../util/log.js';
import { CLASS_NAME, compileRoutes, CONTROLLER_NAME } from './routing.js';
import { type IngressProxy, startIngressProxy } from './proxy.js';
import { selfSignedCertificate } from './tls.js';
import { UpstreamIndex } from './upstreams.js';

const gifee = { metadata: { name: CLASS_NAME }, spec: { controller: CONTROLLER_NAME } };
let backend: http.Server;
let silent: net.Server;
let rude: http.Server;
let stale: http.Server;
let proxy: IngressProxy;
let refusedPort = 0;

const listen = async <S extends net.Server>(s: S): Promise<S> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
};
const portOf = (s: net.Server) => (s.address() as AddressInfo).port;

before(async () => {
  backend = await listen(http.createServer((req, res) => res.end(`ok ${req.url}`)));
  // Accepts and never answers.
  silent = await listen(net.createServer(() => {}));
  // Reads each request and closes the connection without an answer.
  rude = await listen(http.createServer((req) => req.socket.destroy()));
  // Answers the first request of each connection; closes the connection at the next one, as a pod
  // whose keep-alive timeout ran out just as the request came.
  const served = new WeakSet<object>();
  stale = await listen(
    http.createServer((req, res) => {
      if (served.has(req.socket)) return void req.socket.destroy();
      served.add(req.socket);
      req.resume();
      req.on('end', () => res.end('fresh'));
    }),
  );
  const closed = await listen(net.createServer());
  refusedPort = portOf(closed);
  await new Promise((r) => closed.close(r));
  const ing = (host: string, svc: string) => ({ metadata: { name: host, namespace: 'ns', creationTimestamp: 'x' }, spec: { ingressClassName: CLASS_NAME, rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } }] } }] } });
  const table = compileRoutes([ing('flaky.example', 'flaky'), ing('empty.example', 'empty'), ing('slow.example', 'slow'), ing('rude.example', 'rude'), ing('stale.example', 'stale')], [gifee]);
  const svc = (name: string) => ({ metadata: { name, namespace: 'ns' }, spec: { ports: [{ port: 80 }] } });
  const slice = (name: string, ports: number[]) => ports.map((port) => ({ metadata: { namespace: 'ns', labels: { 'kubernetes.io/service-name': name } }, addressType: 'IPv4', ports: [{ port }], endpoints: [{ addresses: ['127.0.0.1'] }] }));
  // flaky: one refusing endpoint and one working one, as a pod that just went away.
  const upstreams = UpstreamIndex.build(table.backends, ['flaky', 'empty', 'slow', 'rude', 'stale'].map(svc), [...slice('flaky', [refusedPort, portOf(backend)]), ...slice('slow', [portOf(silent)]), ...slice('rude', [portOf(rude), portOf(backend)]), ...slice('stale', [portOf(stale), portOf(backend)])]);
  const cert = await selfSignedCertificate();
  proxy = await startIngressProxy({ host: '127.0.0.1', httpPort: 0, state: () => ({ table, upstreams }), contextFor: () => createSecureContext(cert), defaultCert: cert, limits: { readTimeoutMs: 300, maxBodyBytes: 1000 }, log: logger('test') });
});

after(async () => {
  await proxy?.close();
  backend?.close();
  silent?.close();
  rude?.closeAllConnections();
  rude?.close();
  stale?.closeAllConnections();
  stale?.close();
});

function get(host: string, o: { body?: Buffer; method?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.httpPort, method: o.method ?? 'GET', path: '/x', headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

test('a refused connection is retried on the next endpoint: every request succeeds', async () => {
  for (let i = 0; i < 6; i++) assert.deepEqual(await get('flaky.example'), { status: 200, body: 'ok /x' });
});

test('a connection closed before any answer: an idempotent request is retried on the next pod, a POST is not (the pod may have acted on it)', async () => {
  for (let i = 0; i < 4; i++) assert.deepEqual(await get('rude.example'), { status: 200, body: 'ok /x' });
  // Round robin: one of the two goes to the pod that closes.
  const posts = [await get('rude.example', { method: 'POST', body: Buffer.from('x') }), await get('rude.example', { method: 'POST', body: Buffer.from('x') })];
  assert.deepEqual(posts.map((r) => r.status).sort(), [200, 502]);
});

test('a kept-alive connection the pod closed as a POST came: retried on the next pod', async () => {
  // The first POST opens a connection to the stale pod, the third finds it closed there.
  for (let i = 0; i < 5; i++) assert.equal((await get('stale.example', { method: 'POST', body: Buffer.from('x') })).status, 200);
});

test('no endpoints: 503; a silent pod: 504 after the read timeout; no route: 404', async () => {
  assert.equal((await get('empty.example')).status, 503);
  assert.equal((await get('slow.example')).status, 504);
  assert.equal((await get('nothing.example')).status, 404);
});

test('bodies over the limit: 413, declared or streamed', async () => {
  assert.equal((await get('flaky.example', { method: 'POST', body: Buffer.alloc(2000) })).status, 413);
  assert.equal((await get('flaky.example', { method: 'POST', body: Buffer.alloc(500) })).status, 200);
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxy.httpPort, method: 'POST', path: '/', headers: { host: 'flaky.example', 'transfer-encoding': 'chunked' }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 5; i++) req.write(Buffer.alloc(400));
    req.end();
  });
  assert.equal(chunked, 413);
});

test('garbage on the wire: 400, the proxy keeps serving', async () => {
  const out = await new Promise<string>((resolve) => {
    const s = net.connect(proxy.httpPort!, '127.0.0.1', () => s.write('NOT HTTP AT ALL\r\n\r\n'));
    let b = '';
    s.on('data', (d) => (b += d));
    s.on('close', () => resolve(b));
    s.on('error', () => resolve(b));
  });
  assert.match(out, /^HTTP\/1\.1 400/);
  assert.equal((await get('flaky.example')).status, 200);
});

test('HTTPS speaks HTTP/2 (ALPN h2) and HTTP/1.1: the pod gets Host, X-Forwarded-For and the body either way', async () => {
  const echo = await listen(http.createServer((req, res) => res.end(JSON.stringify({ host: req.headers.host, xff: req.headers['x-forwarded-for'], proto: req.headers['x-forwarded-proto'], version: req.httpVersion }))));
  const table = compileRoutes([{ metadata: { name: 'e', namespace: 'ns', creationTimestamp: 'x' }, spec: { ingressClassName: CLASS_NAME, rules: [{ host: 'h2.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] } }], [gifee]);
  const upstreams = UpstreamIndex.build(
    table.backends,
    [{ metadata: { name: 'echo', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } }],
    [{ metadata: { namespace: 'ns', labels: { 'kubernetes.io/service-name': 'echo' } }, addressType: 'IPv4', ports: [{ port: portOf(echo) }], endpoints: [{ addresses: ['127.0.0.1'] }] }],
  );
  const cert = await selfSignedCertificate();
  const tlsProxy = await startIngressProxy({ host: '127.0.0.1', httpsPort: 0, state: () => ({ table, upstreams }), contextFor: () => createSecureContext(cert), defaultCert: cert, log: logger('test') });
  try {
    const session = http2.connect(`https://127.0.0.1:${tlsProxy.httpsPort}`, { rejectUnauthorized: false, servername: 'h2.example' });
    const viaH2 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const s = session.request({ ':path': '/', ':authority': 'h2.example' });
      let body = '';
      let status = 0;
      s.on('response', (h) => (status = Number(h[':status'])));
      s.on('data', (d) => (body += d));
      s.on('end', () => resolve({ status, body }));
      s.on('error', reject);
      s.end();
    });
    session.close();
    assert.equal(viaH2.status, 200);
    assert.deepEqual(JSON.parse(viaH2.body), { host: 'h2.example', xff: '127.0.0.1', proto: 'https', version: '1.1' });
    const viaH1 = await new Promise<string>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port: tlsProxy.httpsPort, path: '/', headers: { host: 'h2.example' }, servername: 'h2.example', rejectUnauthorized: false, agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(JSON.parse(viaH1).host, 'h2.example');
    // A hostile h2 client (garbage after the preface) costs its own session only.
    await new Promise<void>((resolve) => {
      const raw = tlsConnect({ host: '127.0.0.1', port: tlsProxy.httpsPort, ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => raw.write(`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n${'\xff'.repeat(64)}`));
      raw.on('close', () => resolve());
      raw.on('error', () => resolve());
      raw.resume();
    });
    const again = http2.connect(`https://127.0.0.1:${tlsProxy.httpsPort}`, { rejectUnauthorized: false });
    const status = await new Promise<number>((resolve, reject) => {
      const s = again.request({ ':path': '/', ':authority': 'h2.example' });
      s.on('response', (h) => resolve(Number(h[':status'])));
      s.on('error', reject);
      s.resume();
      s.end();
    });
    again.close();
    assert.equal(status, 200);
  } finally {
    await tlsProxy.close();
    echo.close();
  }
});

test('headers: the client cannot forge X-Forwarded-*, hop-by-hop ones (and those Connection names) stop at the proxy both ways, duplicates pass in order', async () => {
  let seen: { raw: string[]; body: string } | undefined;
  const echo = await listen(
    http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        seen = { raw: req.rawHeaders, body };
        res.writeHead(200, [
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
          ['Connection', 'keep-alive, X-Hop'],
          ['X-Hop', 'secret'],
          ['X-Kept', 'yes'],
          ['Content-Length', '2'],
        ]);
        res.end('ok');
      });
    }),
  );
  const table = compileRoutes([{ metadata: { name: 'e', namespace: 'ns', creationTimestamp: 'x' }, spec: { ingressClassName: CLASS_NAME, rules: [{ host: 'hdr.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] } }], [gifee]);
  const upstreams = UpstreamIndex.build(
    table.backends,
    [{ metadata: { name: 'echo', namespace: 'ns' }, spec: { ports: [{ port: 80 }] } }],
    [{ metadata: { namespace: 'ns', labels: { 'kubernetes.io/service-name': 'echo' } }, addressType: 'IPv4', ports: [{ port: portOf(echo) }], endpoints: [{ addresses: ['127.0.0.1'] }] }],
  );
  const cert = await selfSignedCertificate();
  const p = await startIngressProxy({ host: '127.0.0.1', httpPort: 0, state: () => ({ table, upstreams }), contextFor: () => createSecureContext(cert), defaultCert: cert, log: logger('test') });
  try {
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect(p.httpPort ?? 0, '127.0.0.1', () => s.write('POST /p HTTP/1.1\r\nHost: HDR.example:80\r\nX-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nX-Forwarded-Proto: https\r\nConnection: keep-alive, X-Drop\r\nX-Drop: 1\r\nX-Dup: one\r\nX-Dup: two\r\nContent-Length: 5\r\n\r\nhello'));
      let b = '';
      s.on('data', (d) => {
        b += d;
        if (b.endsWith('\r\n\r\nok')) s.end();
      });
      s.on('close', () => resolve(b));
      s.on('error', () => resolve(b));
    });
    assert.match(answer, /^HTTP\/1\.1 200/);
    assert.equal(answer.match(/^Set-Cookie: /gim)?.length, 2);
    assert.match(answer, /^X-Kept: yes\r$/m);
    assert.doesNotMatch(answer, /X-Hop/i);
    assert.ok(seen);
    const pairs: [string, string][] = [];
    for (let i = 0; i < seen.raw.length; i += 2) pairs.push([seen.raw[i].toLowerCase(), seen.raw[i + 1]]);
    const all = (k: string) => pairs.filter(([n]) => n === k).map(([, v]) => v);
    assert.deepEqual(all('host'), ['HDR.example:80']);
    assert.deepEqual(all('x-forwarded-for'), ['127.0.0.1']);
    assert.deepEqual(all('x-real-ip'), ['127.0.0.1']);
    assert.deepEqual(all('x-forwarded-proto'), ['http']);
    assert.deepEqual(all('x-dup'), ['one', 'two']);
    assert.deepEqual(all('x-drop'), []);
    assert.deepEqual(all('content-length'), ['5']);
    assert.equal(seen.body, 'hello');
  } finally {
    await p.close();
    echo.close();
  }
});
