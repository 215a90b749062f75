// The userspace proxy: listeners forward round robin over endpoints, refuse when there are none,
// follow updates; and end to end against a real `gifee server` with hand-written EndpointSlices
// pointing at local TCP servers. Needs no root (ports above 1024).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { logger } from '../../util/log.js';
import { RestClient } from '../../client/rest.js';
import { buildServicePorts } from '../model.js';
import { endpointSlice, service } from '../testing.js';
import { loopbackAddressFor, UserspaceListeners } from './listeners.js';
import { startUserspaceProxy } from './proxy.js';
import { startCluster } from '../../../test/helpers/cluster.js';

const log = logger('userspace-proxy-test');
const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A TCP server on 127.0.0.1 that answers every connection with its name and closes. */
async function backend(name: string): Promise<number> {
  // A client (the proxy) may reset before the answer goes out: that is not this server's error.
  const s = net.createServer((c) => c.on('error', () => undefined).end(name));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

function read(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host, port });
    let b = '';
    c.on('data', (d) => (b += d));
    c.on('end', () => resolve(b));
    c.on('error', reject);
  });
}

const until = async (fn: () => Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
};

const vip = () => `10.43.${128 + Math.floor(Math.random() * 120)}.${10 + Math.floor(Math.random() * 200)}`;
const svcPort = () => 20000 + Math.floor(Math.random() * 10000);

test('listeners forward round robin, refuse without endpoints and follow updates', async () => {
  const [a, b] = [await backend('a'), await backend('b')];
  const ip = vip();
  const port = svcPort();
  const l = new UserspaceListeners(log);
  try {
    // Two endpoints on different ports of 127.0.0.1: one slice per port is the same service's port twice, so use two slices.
    const ports = (eps: [number, string][]) =>
      buildServicePorts(
        [service('web', ip, { ports: [{ name: 'http', port }] })],
        eps.map(([p, n]) => endpointSlice('web', ['127.0.0.1'], { name: n, port: p })),
      );
    l.update(
      ports([
        [a, 'sa'],
        [b, 'sb'],
      ]),
    );
    const host = loopbackAddressFor(ip);
    await until(async () => (await read(host, port)).length > 0);
    const got = [await read(host, port), await read(host, port), await read(host, port), await read(host, port)];
    assert.deepEqual(got.sort(), ['a', 'a', 'b', 'b']);
    l.update(ports([[b, 'sb']]));
    assert.deepEqual([await read(host, port), await read(host, port)], ['b', 'b']);
    l.update(ports([]));
    await assert.rejects(read(host, port), /ECONNRESET|ECONNREFUSED|EPIPE/);
    l.update([]);
    assert.equal(l.addresses().size, 0);
  } finally {
    l.close();
  }
});

test("traffic policies on real listeners: Local node port and cluster IP reach only this node's endpoint; none on the node: refused", async () => {
  const [a, b] = [await backend('here'), await backend('there')];
  const ip = vip();
  const port = svcPort();
  const nodePort = 30000 + Math.floor(Math.random() * 2700);
  const l = new UserspaceListeners(log);
  try {
    const ports = (spec: Record<string, unknown>, node: string) =>
      buildServicePorts([service('web', ip, { type: 'NodePort', ports: [{ name: 'http', port, nodePort }], ...spec })], [endpointSlice('web', [{ ip: '127.0.0.1', nodeName: 'n1' }], { name: 'sa', port: a }), endpointSlice('web', [{ ip: '127.0.0.1', nodeName: 'n2' }], { name: 'sb', port: b })], node);
    const host = loopbackAddressFor(ip);
    const four = async (h: string, p: number) => [await read(h, p), await read(h, p), await read(h, p), await read(h, p)].sort();
    l.update(ports({ externalTrafficPolicy: 'Local' }, 'n1'));
    await until(async () => (await read('127.0.0.1', nodePort)).length > 0);
    assert.deepEqual(await four('127.0.0.1', nodePort), ['here', 'here', 'here', 'here']);
    assert.deepEqual(await four(host, port), ['here', 'here', 'there', 'there']);
    l.update(ports({ internalTrafficPolicy: 'Local' }, 'n1'));
    assert.deepEqual(await four(host, port), ['here', 'here', 'here', 'here']);
    assert.deepEqual(await four('127.0.0.1', nodePort), ['here', 'here', 'there', 'there']);
    l.update(ports({ externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Local' }, 'n3'));
    await assert.rejects(read('127.0.0.1', nodePort), /ECONNRESET|ECONNREFUSED|EPIPE/);
    await assert.rejects(read(host, port), /ECONNRESET|ECONNREFUSED|EPIPE/);
  } finally {
    l.close();
  }
});

test('startUserspaceProxy serves Services from the API (selectorless Service + EndpointSlice)', async () => {
  const c = await startCluster({ env: { GIFEE_LOG: 'warn' } });
  const kc = parse(readFileSync(c.kubeconfig, 'utf8'));
  const u = kc.users[0].user;
  const client = new RestClient({ server: c.url, ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), cert: Buffer.from(u['client-certificate-data'], 'base64').toString(), key: Buffer.from(u['client-key-data'], 'base64').toString() });
  const proxy = await startUserspaceProxy({ client, log, debounceMs: 10, nodeName: 'n1' });
  try {
    const a = await backend('from-api');
    const ip = vip();
    const port = svcPort();
    const nodePort = 30000 + Math.floor(Math.random() * 2700);
    const svc = service('api-web', ip, { type: 'NodePort', ports: [{ name: 'http', port, nodePort, protocol: 'TCP' }] });
    await c.kubectl(['apply', '-f', '-'], { input: [svc, endpointSlice('api-web', ['127.0.0.1'], { port: a })].map((o) => JSON.stringify(o)).join('\n') });
    await until(async () => (await read(loopbackAddressFor(ip), port)) === 'from-api');
    assert.equal(await read('127.0.0.1', nodePort), 'from-api');
    await c.kubectl(['delete', 'service', 'api-web']);
    await until(async () => !proxy.addresses().has(`${loopbackAddressFor(ip)}:${port}`));

    // A LoadBalancer with externalTrafficPolicy Local: the API server allocates its health check
    // node port, answered on 127.0.0.1 with kube-proxy's JSON — 200 while this node (n1) has an
    // endpoint, 503 when the only one is on another node; gone with the Service.
    const lb = service('api-lb', vip(), { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', port, protocol: 'TCP' }] });
    const slice = (nodeName: string) => JSON.stringify(endpointSlice('api-lb', [{ ip: '127.0.0.1', nodeName }], { port: a }));
    await c.kubectl(['apply', '-f', '-'], { input: `${JSON.stringify(lb)}\n${slice('n1')}` });
    const hc = Number((await c.kubectl(['get', 'service', 'api-lb', '-o', 'jsonpath={.spec.healthCheckNodePort}'])).stdout);
    assert.ok(hc >= 30000, `allocated health check node port ${hc}`);
    const check = async () => {
      const r = await fetch(`http://127.0.0.1:${hc}/healthz`);
      return { status: r.status, body: await r.json() };
    };
    await until(async () => (await check()).status === 200);
    assert.deepEqual((await check()).body, { service: { namespace: 'default', name: 'api-lb' }, localEndpoints: 1, serviceProxyHealthy: true });
    await c.kubectl(['apply', '-f', '-'], { input: slice('n2') });
    await until(async () => (await check()).status === 503);
    assert.equal((await check()).body.localEndpoints, 0);
    await c.kubectl(['delete', 'service', 'api-lb']);
    await until(async () => !proxy.healthCheckPorts().includes(hc));
    await assert.rejects(fetch(`http://127.0.0.1:${hc}/healthz`));
  } finally {
    await proxy.stop();
    client.close();
    await c.stop();
  }
});

test('endpoints that vanish while a connection tries them, and clients that reset mid-dial, never throw', async () => {
  const refusedPorts: number[] = [];
  for (let i = 0; i < 2; i++) {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    refusedPorts.push((s.address() as net.AddressInfo).port);
    await new Promise((r) => s.close(r));
  }
  const ip = vip();
  const port = svcPort();
  const ports = (eps: [number, string][]) =>
    buildServicePorts(
      [service('gone', ip, { ports: [{ name: 'http', port }] })],
      eps.map(([p, n]) => endpointSlice('gone', ['127.0.0.1'], { name: n, port: p })),
    );
  // The first endpoint's failure is logged (debug) just before the next is tried: remove every endpoint right then.
  let l!: UserspaceListeners;
  let emptied = false;
  const hook = {
    ...log,
    debug: () => {
      if (emptied) return;
      emptied = true;
      l.update(ports([]));
    },
    child: () => hook,
  };
  l = new UserspaceListeners(hook);
  try {
    l.update(
      ports([
        [refusedPorts[0], 'r0'],
        [refusedPorts[1], 'r1'],
      ]),
    );
    await until(
      async () =>
        (await read(loopbackAddressFor(ip), port).then(
          () => 'open',
          (e: NodeJS.ErrnoException) => e.code,
        )) === 'ECONNRESET',
    );
    // A client that connects and resets at once, many times over: the proxy dials on, then drops the upstream.
    const b = await backend('b');
    l.update(ports([[b, 'sb']]));
    for (let i = 0; i < 20; i++) {
      const c = net.connect({ host: loopbackAddressFor(ip), port });
      c.on('error', () => undefined);
      c.on('connect', () => c.resetAndDestroy());
    }
    await until(async () => (await read(loopbackAddressFor(ip), port)) === 'b');
    assert.ok(emptied);
  } finally {
    l.close();
  }
});
