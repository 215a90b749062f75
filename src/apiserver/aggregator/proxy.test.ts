import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createCa, issueCert } from '../../cli/pki.js';
import { ApiError } from '../../api/errors.js';
import type { APIService } from '../../api/kinds/apiregistration/apiservice.js';
import { proxyRequest, type ProxyClient } from './proxy.js';
import type { Target } from '../services/resolve-endpoint.js';

const headers = { usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };
let upstream: https.Server;
let garbage: tls.Server;
let front: http.Server;
let frontPort = 0;
let client: ProxyClient;
let apiService: APIService;
let target: Target;
let garbageTarget: Target;
let releaseStream: () => void = () => {};
const gotFirstChunk = new Promise<void>((r) => (releaseStream = r));
const open = new Set<net.Socket>();

before(async () => {
  const ca = await createCa('ext-ca');
  const serving = await issueCert(ca, { commonName: 'ext.ns.svc', dnsNames: ['ext.ns.svc'], usage: 'server' });
  const frontProxyCA = await createCa('front-proxy-ca');
  const proxyCert = await issueCert(frontProxyCA, { commonName: 'front-proxy-client', usage: 'client' });
  client = { ...proxyCert, headers, responseHeaderTimeoutMs: 300 };
  apiService = { spec: { group: 'm.io', version: 'v1', caBundle: Buffer.from(ca.cert).toString('base64'), service: { namespace: 'ns', name: 'ext', port: 443 } } };
  upstream = https.createServer({ ...serving, ca: frontProxyCA.cert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const sock = req.socket as tls.TLSSocket;
    if (req.url === '/ok') return res.end(JSON.stringify({ user: req.headers['x-remote-user'], groups: req.headers['x-remote-group'], authorized: sock.authorized, cn: sock.getPeerCertificate().subject?.CN, auth: req.headers.authorization ?? null }));
    if (req.url === '/stream') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
      // The second event only once the client has the first: a proxy that buffered would hang here.
      void gotFirstChunk.then(() => res.end('{"type":"DELETED"}\n'));
      return;
    }
    if (req.url === '/hang') return; // never answers
    res.writeHead(404).end();
  });
  upstream.on('upgrade', (_req, socket: net.Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
    socket.on('data', (d) => socket.write(d));
  });
  garbage = tls.createServer(serving, (s) => s.end('NOT HTTP AT ALL\r\n\r\n\0\0\0'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
  target = { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port, serverName: 'ext.ns.svc' };
  garbageTarget = { host: '127.0.0.1', port: (garbage.address() as AddressInfo).port, serverName: 'ext.ns.svc' };
  const serve = (req: IncomingMessage, res: ServerResponse, t: Target = target) =>
    proxyRequest(req, res, req.url!.replace(/^\/(garbage|wrongname)/, ''), apiService, req.url!.startsWith('/garbage') ? garbageTarget : req.url!.startsWith('/wrongname') ? { ...t, serverName: 'other.ns.svc' } : t, { name: 'jane', groups: ['dev'] }, client).catch((e) => {
      res.statusCode = e instanceof ApiError ? e.code : 500;
      res.end((e as Error).message);
    });
  front = http.createServer((req, res) => void serve(req, res));
  front.on('upgrade', (req: IncomingMessage, socket: net.Socket) => {
    const res = new http.ServerResponse(req);
    res.assignSocket(socket);
    void serve(req, res);
  });
  front.on('connection', (s) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  frontPort = (front.address() as AddressInfo).port;
});

after(() => {
  for (const s of open) s.destroy();
  upstream.closeAllConnections();
  upstream.close();
  garbage.close();
  front.close();
});

const get = (path: string, hdrs: Record<string, string> = {}) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: frontPort, path, headers: hdrs, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });

test('the extension server sees the front-proxy certificate and the user in headers, not the client credentials', async () => {
  const r = await get('/ok', { Authorization: 'Bearer secret', 'X-Remote-User': 'mallory' });
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { user: 'jane', groups: 'dev', authorized: true, cn: 'front-proxy-client', auth: null });
});

test('streamed responses pass through as they come', async () => {
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: frontPort, path: '/stream', agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          lines.push(d);
          releaseStream();
        });
        res.on('end', resolve);
      })
      .on('error', reject);
  });
  assert.match(lines.join(''), /ADDED[\s\S]*DELETED/);
});

test('a server that never answers, answers garbage, or has a certificate for another name is a 503', async () => {
  const hang = await get('/hang');
  assert.equal(hang.status, 503);
  assert.match(hang.body, /^error trying to reach service: no response from ext\.ns\.svc/);
  const junk = await get('/garbage/ok');
  assert.equal(junk.status, 503);
  assert.match(junk.body, /^error trying to reach service: /);
  const wrong = await get('/wrongname/ok');
  assert.equal(wrong.status, 503);
  assert.match(wrong.body, /other\.ns\.svc/);
});

test('upgrade requests are relayed byte for byte after the switch', async () => {
  const sock = net.connect(frontPort, '127.0.0.1');
  let got = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    got += d;
    if (got.includes('\r\n\r\n') && !got.includes('ping')) sock.write('ping');
  });
  sock.write('GET /ok HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
  const end = Date.now() + 3000;
  while (!got.endsWith('ping') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  sock.destroy();
  assert.match(got, /^HTTP\/1\.1 101 Switching Protocols/);
  assert.ok(got.endsWith('ping'));
});
