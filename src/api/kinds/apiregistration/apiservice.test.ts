import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../kind.js';
import { apiService, apiServiceNameErrors } from './apiservice.js';

const check = (name: string, spec: Record<string, unknown>, status?: Record<string, unknown>) => {
  const o = { metadata: { name }, spec, ...(status ? { status } : {}) } as KObject;
  apiService.default!(o);
  return apiService.validate!(o).map((e) => `${e.field}: ${e.message}`);
};
const remote = { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: { namespace: 'kube-system', name: 'metrics-server' } };

test('a well-formed remote APIService passes, and its service port defaults to 443', () => {
  const o = { metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: structuredClone(remote) } as KObject;
  apiService.default!(o);
  assert.equal((o.spec as { service: { port: number } }).service.port, 443);
  assert.deepEqual(apiService.validate!(o), []);
});

test('local APIServices, the legacy v1. one included, pass', () => {
  assert.deepEqual(check('v1.', { group: '', version: 'v1', groupPriorityMinimum: 18000, versionPriority: 1 }), []);
  assert.deepEqual(check('v1.apps', { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 }), []);
});

test('the name must be VERSION.GROUP of the spec', () => {
  assert.deepEqual(check('v1.other.io', { ...remote }), ['metadata.name: Invalid value: "v1.other.io": must be v1beta1.metrics.k8s.io']);
  assert.deepEqual(apiServiceNameErrors('nodot'), ['API Service name must be version.group']);
  assert.deepEqual(apiServiceNameErrors('.group'), ['API Service name must have non-empty version']);
  assert.ok(apiServiceNameErrors('v1.a/b').includes("may not contain '/'"));
});

test('group, version and priorities are checked as Kubernetes checks them', () => {
  assert.deepEqual(check('v2.', { group: '', version: 'v2', groupPriorityMinimum: 1, versionPriority: 1 }), ['spec.group: Required value: only v1 may have an empty group and it better be legacy kube']);
  const bad = check('V1.Bad_Group', { group: 'Bad_Group', version: 'V1', groupPriorityMinimum: 20001, versionPriority: 0 });
  assert.ok(bad.some((m) => m.startsWith('spec.group: Invalid value: "Bad_Group": a lowercase RFC 1123 subdomain')));
  assert.ok(bad.some((m) => m.startsWith('spec.version: Invalid value: "V1": a DNS-1035 label')));
  assert.ok(bad.includes('spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000'));
  assert.ok(bad.includes('spec.versionPriority: Invalid value: 0: must be positive and less than 1000'));
  assert.ok(check('v1.x.io', { group: 'x.io', version: 'v1' }).includes('spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000'));
});

test('service, caBundle and insecureSkipTLSVerify rules', () => {
  const ca = Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64');
  assert.deepEqual(check('v1.x.io', { group: 'x.io', version: 'v1', groupPriorityMinimum: 1, versionPriority: 1, caBundle: ca, insecureSkipTLSVerify: true }), [
    'spec.caBundle: Invalid value: "27 bytes": local APIServices may not have a caBundle',
    'spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify',
  ]);
  assert.deepEqual(check('v1beta1.metrics.k8s.io', { ...remote, caBundle: ca, insecureSkipTLSVerify: true }), ['spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present']);
  assert.deepEqual(check('v1beta1.metrics.k8s.io', { ...remote, service: { port: 70000 } }), ['spec.service.namespace: Required value', 'spec.service.name: Required value', 'spec.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive']);
});

test('condition statuses are True, False or Unknown', () => {
  assert.deepEqual(check('v1beta1.metrics.k8s.io', { ...remote }, { conditions: [{ type: 'Available', status: 'Maybe' }] }), ['status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"']);
});

test('printer columns: SERVICE and AVAILABLE with the reason when not available', () => {
  const cols = apiService.printerColumns!;
  const cell = (name: string, o: KObject) => cols.find((c) => c.name === name)!.cell!(o);
  const o = { metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: remote, status: { conditions: [{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }] } } as KObject;
  assert.equal(cell('Service', o), 'kube-system/metrics-server');
  assert.equal(cell('Available', o), 'False (MissingEndpoints)');
  assert.equal(cell('Service', { spec: { group: 'apps', version: 'v1' } } as KObject), 'Local');
});
