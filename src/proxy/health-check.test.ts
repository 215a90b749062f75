import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { logger } from '../util/log.js';
import { buildServicePorts } from './model.js';
import { endpointSlice, service } from './testing.js';
import { healthCheckServers, healthCheckTargets } from './health-check.js';

const lb = (name: string, port: number, ports = [{ name: 'http', port: 80 }]) => service(name, '10.43.0.10', { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: port, ports });

test('health check targets: local endpoints counted by address over the ports; Cluster policy has none', () => {
  const ports = buildServicePorts(
    [
      lb('web', 31001, [
        { name: 'http', port: 80 },
        { name: 'admin', port: 81 },
      ]),
      service('plain', '10.43.0.11', { type: 'LoadBalancer', healthCheckNodePort: 31002 }),
    ],
    [
      endpointSlice('web', [
        { ip: '10.42.1.5', nodeName: 'n1' },
        { ip: '10.42.1.6', nodeName: 'n1' },
        { ip: '10.42.2.5', nodeName: 'n2' },
      ]),
      endpointSlice('web', [{ ip: '10.42.1.5', nodeName: 'n1' }], { name: 'web-2', portName: 'admin', port: 9090 }),
    ],
    'n1',
  );
  assert.deepEqual([...healthCheckTargets(ports)], [[31001, { namespace: 'default', name: 'web', localEndpoints: 2 }]]);
});

const get = (port: number) =>
  new Promise<{ status: number; body: string; type?: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
      })
      .on('error', reject);
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

test("health check servers answer Kubernetes' JSON, 200 with local endpoints and 503 without; closed when gone", async () => {
  const hc = healthCheckServers({ bindAddress: '127.0.0.1', log: logger('test') });
  const port = await freePort();
  try {
    await hc.update(new Map([[port, { namespace: 'shop', name: 'web', localEndpoints: 2 }]]));
    const ok = await get(port);
    assert.equal(ok.status, 200);
    assert.equal(ok.type, 'application/json');
    assert.deepEqual(JSON.parse(ok.body), { service: { namespace: 'shop', name: 'web' }, localEndpoints: 2, serviceProxyHealthy: true });
    await hc.update(new Map([[port, { namespace: 'shop', name: 'web', localEndpoints: 0 }]]));
    const none = await get(port);
    assert.equal(none.status, 503);
    assert.equal(JSON.parse(none.body).localEndpoints, 0);
    await hc.update(new Map());
    assert.deepEqual(hc.ports(), []);
    await assert.rejects(get(port), /ECONNREFUSED/);
  } finally {
    await hc.close();
  }
});

test('a health check port taken by another process is skipped (warned once) and opened once free', async () => {
  const blocker = net.createServer();
  const port = await new Promise<number>((r) => blocker.listen(0, '127.0.0.1', () => r((blocker.address() as net.AddressInfo).port)));
  const hc = healthCheckServers({ bindAddress: '127.0.0.1', log: logger('test') });
  try {
    await hc.update(new Map([[port, { namespace: 'default', name: 'web', localEndpoints: 1 }]]));
    assert.deepEqual(hc.ports(), []);
    await new Promise((r) => blocker.close(r));
    await hc.update(new Map([[port, { namespace: 'default', name: 'web', localEndpoints: 1 }]]));
    assert.deepEqual(hc.ports(), [port]);
    assert.equal((await get(port)).status, 200);
  } finally {
    await hc.close();
  }
});
