import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultObject } from '../../defaults.js';
import type { KObject } from '../../kind.js';
import { service } from './service.js';

const svc = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { ports: [{ port: 80 }], ...spec } }) as KObject;
const errorsOf = (o: KObject) => {
  defaultObject(service, o);
  return service.validate!(o).map((e) => `${e.field}: ${e.message}`);
};

test('IPv6 and dual-stack requests are refused as on a single-stack IPv4 cluster', () => {
  assert.deepEqual(errorsOf(svc({ ipFamilies: ['IPv6'] })), ['spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']);
  assert.deepEqual(errorsOf(svc({ ipFamilyPolicy: 'RequireDualStack' })), ['spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services']);
  assert.deepEqual(errorsOf(svc({ clusterIP: 'fd00::10' })), ['spec.clusterIPs[0]: Invalid value: []string{"fd00::10"}: IPv6 is not configured on this cluster']);
  assert.deepEqual(errorsOf(svc({ clusterIP: 'fd00::10', ipFamilies: ['IPv4'] })), ['spec.clusterIPs[0]: Invalid value: "fd00::10": expected an IPv4 value as indicated by `ipFamilies[0]`']);
  assert.deepEqual(errorsOf(svc({ ipFamilyPolicy: 'PreferDualStack' })), []);
  assert.deepEqual(errorsOf(svc({ type: 'ExternalName', externalName: 'example.com', ports: [] })), []);
});

test('every Service has status.loadBalancer, {} when empty', () => {
  const o = svc({});
  defaultObject(service, o);
  assert.deepEqual(o.status, { loadBalancer: {} });
  assert.deepEqual(service.initialStatus!(o), { loadBalancer: {} });
});
