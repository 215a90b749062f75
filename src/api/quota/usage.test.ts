import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listOf } from './amount.js';
import { checkQuotaRequest } from './check.js';
import { matchesAllScopes, podConstraints, podMatchesScope, serviceUsage, pvcUsage, usageOf } from './usage.js';

const POD = { group: '', resource: 'pods' };
const container = (name: string, requests?: object, limits?: object) => ({ name, image: 'x', resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });
const pod = (spec: object, status: object = {}, metadata: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', ...metadata }, spec, status });

test('pod usage: requests and limits under quota names, init containers and sidecars, terminal pods only counted', () => {
  const cases: [string, object, Record<string, string>][] = [
    ['best effort', pod({ containers: [container('a')] }), { 'count/pods': '1', pods: '1' }],
    [
      'two containers',
      pod({ containers: [container('a', { cpu: '250m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' }), container('b', { cpu: '250m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' })] }),
      { 'count/pods': '1', cpu: '500m', 'limits.cpu': '1', 'limits.memory': '256Mi', memory: '128Mi', pods: '1', 'requests.cpu': '500m', 'requests.memory': '128Mi' },
    ],
    ['init container larger', pod({ initContainers: [container('i', { cpu: '2' })], containers: [container('a', { cpu: '1' })] }), { 'count/pods': '1', cpu: '2', pods: '1', 'requests.cpu': '2' }],
    ['sidecar adds', pod({ initContainers: [{ ...container('s', { cpu: '1' }), restartPolicy: 'Always' }], containers: [container('a', { cpu: '1' })] }), { 'count/pods': '1', cpu: '2', pods: '1', 'requests.cpu': '2' }],
    ['ephemeral storage and extended', pod({ containers: [container('a', { 'ephemeral-storage': '1Gi', 'example.com/gpu': '1' })] }), { 'count/pods': '1', 'ephemeral-storage': '1Gi', pods: '1', 'requests.ephemeral-storage': '1Gi', 'requests.example.com/gpu': '1' }],
    ['succeeded', pod({ containers: [container('a', { cpu: '1' })] }, { phase: 'Succeeded' }), { 'count/pods': '1' }],
    ['deleted past grace', pod({ containers: [container('a', { cpu: '1' })] }, {}, { deletionTimestamp: '2000-01-01T00:00:00Z', deletionGracePeriodSeconds: 30 }), { 'count/pods': '1' }],
  ];
  for (const [name, p, want] of cases) assert.deepEqual(listOf(usageOf(POD, p as never)), want, name);
});

test('scopes: terminating, best effort, priority class selectors, cross-namespace affinity', () => {
  const be = pod({ containers: [container('a')] });
  const burst = pod({ containers: [container('a', { cpu: '1' })], activeDeadlineSeconds: 10, priorityClassName: 'high' });
  const affinity = pod({ containers: [container('a')], affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'k', namespaces: ['other'] }] } } });
  const cases: [string, object, object, boolean][] = [
    ['BestEffort', { scopeName: 'BestEffort', operator: 'Exists' }, be, true],
    ['NotBestEffort', { scopeName: 'NotBestEffort', operator: 'Exists' }, be, false],
    ['Terminating', { scopeName: 'Terminating', operator: 'Exists' }, burst, true],
    ['NotTerminating', { scopeName: 'NotTerminating', operator: 'Exists' }, burst, false],
    ['PriorityClass In', { scopeName: 'PriorityClass', operator: 'In', values: ['high'] }, burst, true],
    ['PriorityClass In other', { scopeName: 'PriorityClass', operator: 'In', values: ['low'] }, burst, false],
    ['PriorityClass NotIn without class', { scopeName: 'PriorityClass', operator: 'NotIn', values: ['high'] }, be, true],
    ['PriorityClass Exists', { scopeName: 'PriorityClass', operator: 'Exists' }, be, false],
    ['PriorityClass DoesNotExist', { scopeName: 'PriorityClass', operator: 'DoesNotExist' }, be, true],
    ['CrossNamespacePodAffinity', { scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }, affinity, true],
    ['CrossNamespacePodAffinity none', { scopeName: 'CrossNamespacePodAffinity', operator: 'Exists' }, be, false],
  ];
  for (const [name, sel, p, want] of cases) assert.equal(podMatchesScope(sel as never, p), want, name);
  // Scoped quotas never match other resources.
  assert.equal(matchesAllScopes({ group: '', resource: 'configmaps' }, { spec: { scopes: ['BestEffort'] } }, {}), false);
  assert.equal(matchesAllScopes({ group: '', resource: 'configmaps' }, { spec: {} }, {}), true);
});

test('services and claims: node ports, load balancers, storage per class', () => {
  assert.deepEqual(listOf(serviceUsage({ spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } })), { 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' });
  assert.deepEqual(listOf(serviceUsage({ spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } })), { 'count/services': '1', services: '1', 'services.loadbalancers': '1', 'services.nodeports': '1' });
  assert.deepEqual(listOf(pvcUsage({ spec: { storageClassName: 'gold', resources: { requests: { storage: '1.5' } } } })), {
    'count/persistentvolumeclaims': '1',
    'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    'gold.storageclass.storage.k8s.io/requests.storage': '2',
    persistentvolumeclaims: '1',
    'requests.storage': '2',
  });
  assert.deepEqual(listOf(usageOf({ group: 'apps', resource: 'deployments' }, {})), { 'count/deployments.apps': '1' });
  assert.deepEqual(listOf(usageOf({ group: '', resource: 'secrets' }, {})), { 'count/secrets': '1', secrets: '1' });
});

test('constraints: a quota on cpu or memory makes every container name them', () => {
  const p = pod({ containers: [container('app', { cpu: '1' }), container('side')], initContainers: [container('init', {}, { memory: '1Gi' })] });
  assert.equal(podConstraints(['pods', 'limits.cpu', 'requests.cpu'], p), 'must specify limits.cpu for: app,init,side; requests.cpu for: init,side');
  assert.equal(podConstraints(['pods', 'count/pods'], p), undefined);
});

const quota = (name: string, hard: Record<string, string>, used: Record<string, string>, spec: object = {}) => ({ metadata: { name, namespace: 'ns', resourceVersion: '5' }, spec: { hard, ...spec }, status: { hard, used } });

test('check: charges every matching quota, refuses with Kubernetes message, skips unknown status and dry scopes', () => {
  const p = pod({ containers: [container('a', { cpu: '500m', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] });
  const ok = checkQuotaRequest([quota('q', { pods: '2', 'requests.cpu': '1' }, { pods: '1', 'requests.cpu': '500m' })], { gr: POD, operation: 'CREATE', obj: p });
  assert.ok('charges' in ok);
  assert.deepEqual(ok.charges[0].used, { pods: '2', 'requests.cpu': '1' });
  const full = checkQuotaRequest([quota('pod-demo', { pods: '2' }, { pods: '2' })], { gr: POD, operation: 'CREATE', obj: p });
  assert.deepEqual(full, { refused: 'exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2' });
  const unknown = checkQuotaRequest([{ metadata: { name: 'q' }, spec: { hard: { pods: '1' } }, status: { hard: { pods: '1' } } }], { gr: POD, operation: 'CREATE', obj: p });
  assert.deepEqual(unknown, { refused: 'status unknown for quota: q, resources: pods' });
  const noLimits = checkQuotaRequest([quota('mem', { 'limits.memory': '2Gi' }, { 'limits.memory': '0' })], { gr: POD, operation: 'CREATE', obj: pod({ containers: [container('nginx')] }) });
  assert.deepEqual(noLimits, { refused: 'failed quota: mem: must specify limits.memory for: nginx' });
  // A BestEffort-scoped quota ignores a pod with requests.
  const scoped = checkQuotaRequest([quota('be', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] })], { gr: POD, operation: 'CREATE', obj: p });
  assert.deepEqual(scoped, { charges: [] });
  // Updates are charged only what they add.
  const svc = { group: '', resource: 'services' };
  const old = { metadata: { resourceVersion: '3' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
  const now = { metadata: { resourceVersion: '3' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
  const upd = checkQuotaRequest([quota('s', { services: '1', 'services.nodeports': '0' }, { services: '1', 'services.nodeports': '0' })], { gr: svc, operation: 'UPDATE', obj: now, old });
  assert.deepEqual(upd, { refused: 'exceeded quota: s, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0' });
  const counted = checkQuotaRequest([quota('c', { 'count/deployments.apps': '1' }, { 'count/deployments.apps': '1' })], { gr: { group: 'apps', resource: 'deployments' }, operation: 'CREATE', obj: {} });
  assert.deepEqual(counted, { refused: 'exceeded quota: c, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1' });
});
