// A webhook Service resolved from a real API server's storage (in process; nothing is dialled):
// the named port, then a ready endpoint's address.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type InProcessApi, startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { storageServiceResolver } from './service-resolver.js';

let api: InProcessApi;
before(async () => {
  api = await startInProcessApi();
});
after(() => api.stop());

test('a Service and its EndpointSlices in storage resolve to a ready endpoint address and the named target port', async () => {
  await api.kubectl(['create', 'namespace', 'webhooks']);
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'hooks', namespace: 'webhooks' },
    spec: {
      ports: [
        { name: 'metrics', port: 9090 },
        { name: 'https', port: 443, targetPort: 8443 },
      ],
    },
  };
  const slice = (name: string, ready: boolean, ip: string) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'webhooks', labels: { 'kubernetes.io/service-name': 'hooks' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [ip], conditions: { ready } }],
    ports: [
      { name: 'metrics', port: 9090 },
      { name: 'https', port: 8443 },
    ],
  });
  await api.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [svc, slice('hooks-a', true, '10.20.0.7'), slice('hooks-b', false, '10.20.0.8')] }) });
  const resolve = storageServiceResolver(api.server.state);
  assert.deepEqual(await resolve({ namespace: 'webhooks', name: 'hooks', port: 443 }), { host: '10.20.0.7', port: 8443 });
  await assert.rejects(resolve({ namespace: 'webhooks', name: 'missing', port: 443 }), /service "missing" in namespace "webhooks" not found/);
  await assert.rejects(resolve({ namespace: 'webhooks', name: 'hooks', port: 9443 }), /has no port 9443/);
  await api.kubectl(['delete', 'endpointslice', 'hooks-a', '-n', 'webhooks']);
  await assert.rejects(resolve({ namespace: 'webhooks', name: 'hooks', port: 443 }), /no ready endpoints for port 443/);
});
