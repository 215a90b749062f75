// A webhook Service resolved from a real API server's storage (in process; nothing is dialled).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type InProcessApi, startInProcessApi } from '../../../test/helpers/in-process-api.js';
import { storageServiceResolver } from './service-resolver.js';

let api: InProcessApi;
before(async () => {
  api = await startInProcessApi();
});
after(() => api.stop());

test('a Service and its Endpoints in storage resolve to an endpoint address and target port', async () => {
  await api.kubectl(['create', 'namespace', 'webhooks']);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'hooks', namespace: 'webhooks' }, spec: { ports: [{ name: 'https', port: 443, targetPort: 8443 }] } };
  const ep = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'hooks', namespace: 'webhooks' }, subsets: [{ addresses: [{ ip: '10.20.0.7' }], ports: [{ name: 'https', port: 8443 }] }] };
  await api.kubectl(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [svc, ep] }) });
  const resolve = storageServiceResolver(api.server.state);
  assert.deepEqual(await resolve({ namespace: 'webhooks', name: 'hooks', port: 443 }), { host: '10.20.0.7', port: 8443 });
  await assert.rejects(resolve({ namespace: 'webhooks', name: 'missing', port: 443 }), /service "missing" in namespace "webhooks" not found/);
  await assert.rejects(resolve({ namespace: 'webhooks', name: 'hooks', port: 9443 }), /has no port 9443/);
});
