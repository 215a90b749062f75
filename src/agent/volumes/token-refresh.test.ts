import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenRefreshAt } from './volumes.js';
import { serviceEnvVars } from '../pods/container-config.js';

test('tokens are refreshed at 80% of their life, and at least daily', () => {
  assert.equal(tokenRefreshAt(0, 3607_000), 2885_600);
  assert.equal(tokenRefreshAt(1000, 1000 + 48 * 3600_000), 1000 + 24 * 3600_000);
});

test("the kubernetes Service's variables, as the kubelet writes them", () => {
  assert.deepEqual(serviceEnvVars({ metadata: { name: 'kubernetes' }, spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } }), {
    KUBERNETES_SERVICE_HOST: '10.43.0.1',
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: 'tcp://10.43.0.1:443',
    KUBERNETES_PORT_443_TCP: 'tcp://10.43.0.1:443',
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: '10.43.0.1',
  });
  assert.deepEqual(serviceEnvVars({ metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } }), {});
});
