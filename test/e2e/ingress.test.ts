// The agent's ingress controller end to end: a real `gifee server` whose embedded agent runs the
// controller on free loopback ports and a real Deployment of a keep-alive app (a node image built
// here, test/helpers/ingress-backend-image.ts). Driven as a user would: kubectl create deployment /
// expose / ingress / secret tls, then HTTP(S) clients with Host headers and SNI names against the
// node's ingress ports. Covers host and path routing, the default IngressClass, X-Forwarded-For,
// the default backend, TLS with SNI across hosts, certificate hot reload, HTTP→HTTPS redirect, a bad
// certificate (Warning event, default certificate, still served), WebSocket, a streamed response,
// metrics on the agent's /metrics, hostile requests, and Ingress validation (422).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort, startCluster, type Cluster } from '../helpers/cluster.js';
import { ingressBackendImage } from '../helpers/ingress-backend-image.js';
import { until } from '../helpers/wait.js';
import { createCa, issueCert, type CertPair } from '../../src/cli/pki.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the ingress e2e runs real pods: needs Linux and root' : false;

let c: Cluster;
let httpPort = 0;
let httpsPort = 0;
let node = '';
let certDir = '';
let ca: CertPair;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(host: string, path = '/', o: { headers?: Record<string, string>; method?: string; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: httpPort, path, method: o.method ?? 'GET', headers: { host, ...o.headers }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end(o.body);
  });
}

function getTls(servername: string, path = '/', o: { trust?: boolean } = {}): Promise<Answer & { cert: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port: httpsPort, path, servername, headers: { host: servername }, ca: ca.cert, rejectUnauthorized: o.trust ?? true, agent: false, timeout: 10_000 }, (res) => {
      const cert = new X509Certificate((res.socket as tls.TLSSocket).getPeerCertificate().raw);
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cert }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

/** The certificate served for an SNI name (not verified). */
function peerCert(servername: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: httpsPort, servername, rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(s.getPeerCertificate().raw));
      s.end();
    });
    s.on('error', reject);
  });
}

async function tlsSecret(name: string, pair: CertPair) {
  const crt = join(certDir, `${name}.crt`);
  const key = join(certDir, `${name}.key`);
  await writeFile(crt, pair.cert);
  await writeFile(key, pair.key);
  // Create or replace, as a user rotating a certificate would.
  const yaml = (await k(['create', 'secret', 'tls', name, `--cert=${crt}`, `--key=${key}`, '--dry-run=client', '-o', 'yaml'])).stdout;
  await k(['apply', '-f', '-'], { input: yaml });
}

before(async () => {
  if (skip) return;
  [httpPort, httpsPort] = [await freePort(), await freePort()];
  certDir = await mkdtemp(join(tmpdir(), 'gifee-ingress-certs-'));
  ca = await createCa('ingress-test-ca');
  const image = await ingressBackendImage();
  c = await startCluster({ agent: true, extraArgs: ['--ingress-http-port', String(httpPort), '--ingress-https-port', String(httpsPort), '--ingress-bind-address', '127.0.0.1'] });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  await createImageStore({ dataDir: c.dataDir }).importFile(image);
  node = (await k(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
  await k(['create', 'deployment', 'web', '--image=gifee.local/ingress-backend:1', '--port=8080', '--replicas=2']);
  await k(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
  await until('web Deployment available', async () => (await k(['get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}'], { allowFail: true })).stdout === '2', { timeoutMs: 180_000 });
});

after(async () => {
  if (skip) return;
  if (c) await c.stop();
  if (certDir) await rm(certDir, { recursive: true, force: true });
});

test('the IngressClass gifee exists and is the default', { skip }, async () => {
  const ic = JSON.parse((await k(['get', 'ingressclass', 'gifee', '-o', 'json'])).stdout);
  assert.equal(ic.spec.controller, 'gifee.dev/ingress-controller');
  assert.equal(ic.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
});

test('kubectl create ingress: the app is reached by host name through the node port; unknown hosts get 404', { skip }, async () => {
  await k(['create', 'ingress', 'web', '--rule=shop.example/*=web:80', '--class=gifee']);
  await until('shop.example served', async () => (await get('shop.example', '/cart?x=1')).status === 200, { timeoutMs: 60_000 });
  const a = await get('SHOP.example:80', '/cart?x=1');
  assert.match(a.body, /^pod=web-[a-z0-9-]+ path=\/cart\?x=1 host=SHOP\.example:80 xff=127\.0\.0\.1 proto=http /);
  // Both pods answer (round robin over the EndpointSlice's ready endpoints).
  const pods = new Set<string>();
  for (let i = 0; i < 10; i++) pods.add((await get('shop.example')).body.split(' ')[0]);
  assert.equal(pods.size, 2, [...pods].join(','));
  // A client-supplied X-Forwarded-For is not trusted.
  assert.match((await get('shop.example', '/', { headers: { 'x-forwarded-for': '6.6.6.6' } })).body, / xff=127\.0\.0\.1 /);
  assert.equal((await get('elsewhere.example')).status, 404);
  // POST bodies go through.
  assert.match((await get('shop.example', '/p', { method: 'POST', body: 'x'.repeat(5000) })).body, / body=5000\n$/);
});

test('Exact and Prefix paths, and an Ingress without a class gets the default one', { skip }, async () => {
  await k(['create', 'ingress', 'paths', '--rule=api.example/v1=web:80', '--rule=api.example/v2/*=web:80']);
  assert.equal((await k(['get', 'ingress', 'paths', '-o', 'jsonpath={.spec.ingressClassName}'])).stdout, 'gifee');
  await until('api.example served', async () => (await get('api.example', '/v1')).status === 200);
  assert.equal((await get('api.example', '/v1/x')).status, 404); // Exact
  assert.equal((await get('api.example', '/v2/a/b')).status, 200); // Prefix
  assert.equal((await get('api.example', '/v2')).status, 200);
  assert.equal((await get('api.example', '/v2x')).status, 404);
});

test('default backend: requests no rule matches go to it', { skip }, async () => {
  assert.equal((await get('nowhere.example', '/x')).status, 404);
  await k(['create', 'ingress', 'fallback', '--default-backend=web:80', '--class=gifee']);
  await until('the default backend answers', async () => (await get('nowhere.example', '/x')).status === 200);
  assert.match((await get('nowhere.example', '/x')).body, /^pod=web-/);
  await k(['delete', 'ingress', 'fallback']);
  await until('the default backend is gone', async () => (await get('nowhere.example', '/x')).status === 404);
});

test('TLS from Secrets: SNI picks each host certificate, HTTP redirects to HTTPS, a renewed Secret is served without a restart', { skip }, async () => {
  const first = await issueCert(ca, { commonName: 'secure.example', dnsNames: ['secure.example'], usage: 'server' });
  const other = await issueCert(ca, { commonName: 'other.example', dnsNames: ['other.example'], usage: 'server' });
  await tlsSecret('secure-tls', first);
  await tlsSecret('other-tls', other);
  await k(['create', 'ingress', 'secure', '--rule=secure.example/*=web:80,tls=secure-tls', '--rule=other.example/*=web:80,tls=other-tls', '--class=gifee']);
  await until('secure.example served over TLS with its certificate', async () => {
    const a = await getTls('secure.example', '/pay');
    return a.status === 200 && a.cert.subject.includes('CN=secure.example');
  });
  const a = await getTls('secure.example', '/pay');
  assert.match(a.body, / proto=https /);
  const b = await getTls('other.example');
  assert.equal(b.status, 200);
  assert.match(b.cert.subject, /CN=other\.example/);
  // HTTP/2 on TLS, as a browser or curl negotiates it (ALPN h2), with the client's address forwarded.
  await writeFile(join(certDir, 'ca.crt'), ca.cert);
  const curl = await promisify(execFile)('curl', ['-sS', '--http2', '--max-time', '10', '--cacert', join(certDir, 'ca.crt'), '--resolve', `secure.example:${httpsPort}:127.0.0.1`, '-w', '\n%{http_version} %{http_code}', `https://secure.example:${httpsPort}/h2`]);
  assert.match(curl.stdout, /path=\/h2 host=secure\.example:\d+ xff=127\.0\.0\.1 proto=https /);
  assert.match(curl.stdout, /\n2 200$/);
  // No SNI, or an unknown name: the default certificate, never a failed handshake.
  assert.match((await peerCert('unknown.example')).subject, /Fake Certificate/);
  // Plain HTTP to a TLS host: a permanent redirect keeping the method (308, as ingress-nginx).
  const r = await get('secure.example', '/pay?x=1');
  assert.equal(r.status, 308);
  assert.equal(r.headers.location, `https://secure.example:${httpsPort}/pay?x=1`);
  // Hot reload: a renewed certificate in the same Secret is served on the next handshake.
  const renewed = await issueCert(ca, { commonName: 'secure.example', organizations: ['renewed'], dnsNames: ['secure.example'], usage: 'server' });
  await tlsSecret('secure-tls', renewed);
  const want = new X509Certificate(renewed.cert).serialNumber;
  await until('the renewed certificate is served', async () => (await peerCert('secure.example')).serialNumber === want);
});

test('a bad certificate: a Warning event, the host served with the default certificate', { skip }, async () => {
  // A certificate with another key's private key: not a usable pair (kubectl create secret tls
  // refuses it, the API server does not: written as a manifest).
  const good = await issueCert(ca, { commonName: 'broken.example', dnsNames: ['broken.example'], usage: 'server' });
  const stranger = await issueCert(ca, { commonName: 'x', usage: 'server' });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken-tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(good.cert), 'tls.key': b64(stranger.key) } }) });
  // And a certificate for the wrong name.
  await tlsSecret('wrongname-tls', await issueCert(ca, { commonName: 'not-it.example', dnsNames: ['not-it.example'], usage: 'server' }));
  await k(['create', 'ingress', 'broken', '--rule=broken.example/*=web:80,tls=broken-tls', '--rule=wrongname.example/*=web:80,tls=wrongname-tls', '--class=gifee']);
  await until('a Warning event on the Ingress', async () => {
    const ev = (await k(['get', 'events', '--field-selector', 'involvedObject.kind=Ingress,involvedObject.name=broken,type=Warning', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}'])).stdout;
    return ev.includes('broken.example') && ev.includes('wrongname.example') && ev.includes('InvalidCertificate');
  });
  for (const host of ['broken.example', 'wrongname.example']) {
    assert.match((await peerCert(host)).subject, /Fake Certificate/, host);
    const a = await getTls(host, '/', { trust: false });
    assert.equal(a.status, 200, host);
  }
});

test('WebSocket upgrade and a streamed response go through', { skip }, async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`, { headers: { host: 'shop.example' } });
  const echoed = await new Promise<string>((resolve, reject) => {
    ws.on('open', () => ws.send('hello through the ingress'));
    ws.on('message', (d) => resolve(String(d)));
    ws.on('error', reject);
  });
  ws.close();
  assert.equal(echoed, 'echo: hello through the ingress');
  // The first line arrives on its own: the proxy does not wait for the whole response.
  const chunks = await new Promise<string[]>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: httpPort, path: '/stream', headers: { host: 'shop.example' }, agent: false }, (res) => {
        const got: string[] = [];
        res.on('data', (d) => got.push(String(d)));
        res.on('end', () => resolve(got));
      })
      .on('error', reject);
  });
  assert.equal(chunks.join(''), 'line 1\nline 2\nline 3\n');
  assert.equal(chunks[0], 'line 1\n');
});

test('hostile requests are answered with bounded work', { skip }, async () => {
  assert.equal((await get('shop.example', '/', { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024) })).status, 413);
  assert.equal((await get('bad host!', '/')).status, 400);
  // An oversized head: Node's parser refuses it (431) before any routing.
  const big = await new Promise<string>((resolve) => {
    const s = net.connect(httpPort, '127.0.0.1', () => s.write(`GET / HTTP/1.1\r\nHost: shop.example\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`));
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', () => resolve(out));
  });
  assert.match(big, /^HTTP\/1\.1 4(31|00)/);
  assert.equal((await get('shop.example')).status, 200);
});

test("metrics on the agent's /metrics: requests by host and status, latency histogram", { skip }, async () => {
  const m = (await k(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics`])).stdout;
  assert.match(m, /^gifee_ingress_requests_total\{host="shop\.example",status="200"\} \d+/m);
  assert.match(m, /^gifee_ingress_requests_total\{host="_",status="404"\} \d+/m);
  assert.match(m, /^gifee_ingress_request_duration_seconds_bucket\{host="shop\.example",le="0\.005"\} \d+/m);
});

test('a Deployment rolling behind an Ingress: not one request fails', { skip }, async () => {
  // As a user makes a rollout safe: readiness gates new pods, maxUnavailable 0, and a preStop sleep
  // keeps an old pod serving while the controller drops it (the backend ignores SIGTERM as PID 1).
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'roll' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'roll' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'roll' } },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{ name: 'app', image: 'gifee.local/ingress-backend:1', ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 }, lifecycle: { preStop: { sleep: { seconds: 2 } } } }],
        },
      },
    },
  };
  await k(['apply', '-f', '-'], { input: JSON.stringify(deploy) });
  await k(['expose', 'deployment', 'roll', '--port=80', '--target-port=8080']);
  await k(['create', 'ingress', 'roll', '--rule=roll.example/*=roll:80', '--class=gifee']);
  await k(['rollout', 'status', 'deployment/roll', '--timeout=180s']);
  await until('roll.example served', async () => (await get('roll.example')).status === 200, { timeoutMs: 60_000 });
  const podOf = (a: Answer) => /^pod=(\S+)/.exec(a.body)?.[1] ?? '';
  const before = new Set<string>();
  for (let i = 0; i < 6; i++) before.add(podOf(await get('roll.example')));
  let done = false;
  const failures: string[] = [];
  const seen = new Set<string>();
  let requests = 0;
  const load = (async () => {
    while (!done) {
      requests++;
      const a = await get('roll.example').catch((e: Error) => ({ status: 0, headers: {}, body: e.message }));
      if (a.status === 200) seen.add(podOf(a));
      else failures.push(`${a.status} ${a.body.slice(0, 80)}`);
    }
  })();
  try {
    await k(['rollout', 'restart', 'deployment/roll']);
    await k(['rollout', 'status', 'deployment/roll', '--timeout=180s']);
    // The last old pods are still in their preStop sleep and grace: keep going past their end.
    await until('the old pods gone', async () => (await k(['get', 'pods', '-l', 'app=roll', '-o', 'name'])).stdout.trim().split('\n').length === 2, { timeoutMs: 60_000 });
  } finally {
    done = true;
    await load;
  }
  assert.deepEqual(failures, [], `${failures.length} of ${requests} requests failed during the rollout`);
  assert.ok(requests > 20, `only ${requests} requests were sent`);
  const after = new Set<string>();
  for (let i = 0; i < 6; i++) after.add(podOf(await get('roll.example')));
  assert.ok(
    [...after].every((p) => !before.has(p)),
    `new pods serve after the rollout (before ${[...before]}, after ${[...after]})`,
  );
  assert.ok([...seen].some((p) => after.has(p)));
});

test('invalid Ingresses are refused with 422', { skip }, async () => {
  const bad = await k(['create', 'ingress', 'bad', '--rule=Bad_Host.example/*=web:80'], { allowFail: true });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /is invalid/);
  const badPath = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'badpath' }, spec: { rules: [{ host: 'a.example', http: { paths: [{ path: 'no-slash', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } };
  const r = await c.request('POST', '/apis/networking.k8s.io/v1/namespaces/default/ingresses', badPath);
  assert.equal(r.status, 422);
  assert.equal(r.json.reason, 'Invalid');
  assert.match(JSON.stringify(r.json.details.causes), /spec\.rules\[0\]\.http\.paths\[0\]\.path/);
});
