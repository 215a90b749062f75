import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServicePorts } from './model.js';
import { endpointSlice, service } from './testing.js';

test('a service port gets the ready endpoints of its slices, matched by port name', () => {
  const ports = buildServicePorts(
    [
      service('web', '10.43.0.10', {
        ports: [
          { name: 'http', port: 80 },
          { name: 'admin', port: 81, protocol: 'TCP' },
        ],
      }),
    ],
    [endpointSlice('web', ['10.42.0.6', '10.42.0.5']), endpointSlice('web', ['10.42.0.7'], { name: 'web-2', portName: 'admin', port: 9090 }), endpointSlice('other', ['10.42.0.9'])],
  );
  assert.deepEqual(
    ports.map((p) => [p.id, p.clusterIP, p.port, p.protocol, p.endpoints.map((e) => `${e.ip}:${e.port}`)]),
    [
      ['default/web/admin/tcp', '10.43.0.10', 81, 'TCP', ['10.42.0.7:9090']],
      ['default/web/http/tcp', '10.43.0.10', 80, 'TCP', ['10.42.0.5:8080', '10.42.0.6:8080']],
    ],
  );
});

test('unready endpoints are left out; serving terminating ones are used only when none is ready', () => {
  const svc = [service('web', '10.43.0.10')];
  const mixed = buildServicePorts(svc, [endpointSlice('web', ['10.42.0.5', { ip: '10.42.0.6', ready: false, serving: false }, { ip: '10.42.0.7', ready: false, serving: true, terminating: true }])]);
  assert.deepEqual(
    mixed[0].endpoints.map((e) => e.ip),
    ['10.42.0.5'],
  );
  const draining = buildServicePorts(svc, [
    endpointSlice('web', [
      { ip: '10.42.0.6', ready: false, serving: false, terminating: true },
      { ip: '10.42.0.7', ready: false, serving: true, terminating: true },
    ]),
  ]);
  assert.deepEqual(
    draining[0].endpoints.map((e) => e.ip),
    ['10.42.0.7'],
  );
  // An unset ready condition means ready (EndpointSlice API).
  const unset = buildServicePorts(svc, [endpointSlice('web', [{ ip: '10.42.0.8' }])]);
  assert.deepEqual(
    unset[0].endpoints.map((e) => e.ip),
    ['10.42.0.8'],
  );
});

test('ExternalName and headless services are skipped; NodePort and ClientIP affinity are carried', () => {
  const ports = buildServicePorts(
    [
      service('ext', '', { type: 'ExternalName', externalName: 'example.invalid' }),
      service('headless', 'None'),
      service('np', '10.43.0.11', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }], sessionAffinity: 'ClientIP' }),
      service('np-cluster', '10.43.0.12', { type: 'ClusterIP', ports: [{ port: 80, nodePort: 30081 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }),
    ],
    [],
  );
  assert.deepEqual(
    ports.map((p) => [p.id, p.nodePort, p.affinityTimeoutSeconds, p.endpoints.length]),
    [
      ['default/np-cluster/80/tcp', undefined, 60, 0],
      ['default/np/80/tcp', 30080, 10800, 0],
    ],
  );
});

test('duplicate endpoints across slices count once; IPv6 slices are ignored', () => {
  const v6 = { ...endpointSlice('web', ['10.42.0.5'], { name: 'v6' }), addressType: 'IPv6' };
  const ports = buildServicePorts([service('web', '10.43.0.10')], [endpointSlice('web', ['10.42.0.5']), endpointSlice('web', ['10.42.0.5'], { name: 'web-b' }), v6]);
  assert.deepEqual(
    ports[0].endpoints.map((e) => e.ip),
    ['10.42.0.5'],
  );
});

test('pods of simulated nodes are never endpoints: their IPs (198.18.0.0/15) lead nowhere', () => {
  const ports = buildServicePorts([service('web', '10.43.0.10'), service('sim-only', '10.43.0.11')], [endpointSlice('web', ['10.42.0.5', '198.18.0.7', '198.19.255.254', '198.20.0.1']), endpointSlice('sim-only', ['198.18.3.4'])]);
  assert.deepEqual(
    ports.map((p) => [p.name, p.endpoints.map((e) => e.ip)]),
    [
      ['sim-only', []],
      ['web', ['10.42.0.5', '198.20.0.1']],
    ],
  );
});
