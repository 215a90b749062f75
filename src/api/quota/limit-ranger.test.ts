import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../kind.js';
import { defaultPod, LIMIT_RANGER_ANNOTATION, podViolations, pvcViolations } from './limit-ranger.js';
import { defaultLimitRange, validateLimitRange } from './validate-limitrange.js';
import { validateResourceQuota } from './validate-quota.js';

const lr = (limits: object[]): KObject => {
  const o: KObject = { metadata: { name: 'lr', namespace: 'ns' }, spec: { limits } };
  defaultLimitRange(o);
  return o;
};
const pod = (containers: object[], initContainers?: object[]): KObject => ({ metadata: { name: 'p' }, spec: { containers, ...(initContainers ? { initContainers } : {}) } });

test('limit range defaulting: default from max, defaultRequest from default or min', () => {
  const r = lr([{ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' } }]);
  assert.deepEqual((r.spec as any).limits[0], { type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' } });
});

test('limit ranger: missing requests and limits are filled in and noted', () => {
  const r = lr([{ type: 'Container', default: { memory: '512Mi', cpu: '1' }, defaultRequest: { memory: '256Mi', cpu: '500m' } }]);
  const cases: [string, KObject, object, string | undefined][] = [
    ['none set', pod([{ name: 'c' }]), { requests: { memory: '256Mi', cpu: '500m' }, limits: { memory: '512Mi', cpu: '1' } }, 'LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c'],
    ['own memory limit', pod([{ name: 'c', resources: { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } } }]), { limits: { memory: '1Gi', cpu: '1' }, requests: { memory: '1Gi', cpu: '500m' } }, 'LimitRanger plugin set: cpu request for container c; cpu limit for container c'],
    ['all set', pod([{ name: 'c', resources: { limits: { memory: '1Gi', cpu: '2' }, requests: { memory: '1Gi', cpu: '2' } } }]), { limits: { memory: '1Gi', cpu: '2' }, requests: { memory: '1Gi', cpu: '2' } }, undefined],
  ];
  for (const [name, p, want, note] of cases) {
    defaultPod(r, p);
    assert.deepEqual((p.spec as any).containers[0].resources, want, name);
    assert.equal(p.metadata?.annotations?.[LIMIT_RANGER_ANNOTATION], note, name);
  }
  const init = pod([{ name: 'c' }], [{ name: 'i' }]);
  defaultPod(r, init);
  assert.match(init.metadata!.annotations![LIMIT_RANGER_ANNOTATION], /limit for init container i$/);
});

test('limit ranger: min, max and ratio refusals in Kubernetes words', () => {
  const r = lr([
    { type: 'Container', min: { cpu: '200m' }, max: { cpu: '800m', memory: '1Gi' }, maxLimitRequestRatio: { memory: '2' } },
    { type: 'Pod', max: { cpu: '1' } },
  ]);
  const c = (cpuReq: string, cpuLim: string, memReq: string, memLim: string) => ({ name: 'c', resources: { requests: { cpu: cpuReq, memory: memReq }, limits: { cpu: cpuLim, memory: memLim } } });
  assert.deepEqual(podViolations(r, pod([c('500m', '800m', '512Mi', '1Gi')])), []);
  assert.deepEqual(podViolations(r, pod([c('100m', '800m', '512Mi', '1Gi')])), ['minimum cpu usage per Container is 200m, but request is 100m']);
  assert.deepEqual(podViolations(r, pod([c('500m', '1500m', '512Mi', '1Gi')])), ['maximum cpu usage per Container is 800m, but limit is 1500m', 'maximum cpu usage per Pod is 1, but limit is 1500m']);
  assert.deepEqual(podViolations(r, pod([c('500m', '800m', '256Mi', '1Gi')])), ['memory max limit to request ratio per Container is 2, but provided ratio is 4.000000']);
  assert.deepEqual(podViolations(r, pod([{ name: 'c', resources: { requests: { cpu: '500m', memory: '1Gi' } } }])), [
    'maximum cpu usage per Container is 800m.  No limit is specified',
    'maximum memory usage per Container is 1Gi.  No limit is specified',
    'memory max limit to request ratio per Container is 2, but no limit is specified or limit is 0',
    'maximum cpu usage per Pod is 1.  No limit is specified',
  ]);
  const pvc = lr([{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } }]);
  const claim = (s: string): KObject => ({ spec: { resources: { requests: { storage: s } } } });
  assert.deepEqual(pvcViolations(pvc, claim('1Gi')), []);
  assert.deepEqual(pvcViolations(pvc, claim('5Gi')), ['maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi']);
  assert.deepEqual(pvcViolations(pvc, claim('500Mi')), ['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi']);
});

test('limit range validation: types, names, ordering of min/default/max, ratios', () => {
  const errs = (limits: object[]) => validateLimitRange(lr(limits)).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(errs([{ type: 'Container', min: { cpu: '1' }, max: { cpu: '2' } }]), []);
  assert.deepEqual(errs([{ type: 'Container', min: { cpu: '3' }, max: { cpu: '2' } }]), [
    'spec.limits[0].min[cpu]: Invalid value: "3": min value 3 is greater than max value 2',
    'spec.limits[0].defaultRequest[cpu]: Invalid value: "2": min value 3 is greater than default request value 2',
    'spec.limits[0].default[cpu]: Invalid value: "3": min value 3 is greater than default value 2',
  ]);
  assert.deepEqual(errs([{ type: 'Pod', default: { cpu: '1' } }]), ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]);
  assert.deepEqual(errs([{ type: 'Widget' }]), ['spec.limits[0].type: Invalid value: "Widget": must be a standard limit type or fully qualified']);
  assert.deepEqual(errs([{ type: 'Container', max: { pods: '1' } }]), [
    'spec.limits[0].max[pods]: Invalid value: "pods": must be a standard resource for containers',
    'spec.limits[0].default[pods]: Invalid value: "pods": must be a standard resource for containers',
    'spec.limits[0].defaultRequest[pods]: Invalid value: "pods": must be a standard resource for containers',
  ]);
  assert.deepEqual(errs([{ type: 'PersistentVolumeClaim' }]), ['spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided']);
  assert.deepEqual(errs([{ type: 'Pod', maxLimitRequestRatio: { cpu: '500m' } }]), ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1']);
  assert.deepEqual(errs([{ type: 'Container' }, { type: 'Container' }]), ['spec.limits[1].type: Duplicate value: "Container"']);
});

test('quota validation: names, integers, scopes for resources, conflicting scopes, selectors, immutable scopes', () => {
  const errs = (spec: object, old?: object) => validateResourceQuota({ spec } as KObject, old ? ({ spec: old } as KObject) : undefined).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(errs({ hard: { pods: '2', 'requests.cpu': '1', 'count/deployments.apps': '2', 'requests.nvidia.com/gpu': '4' } }), []);
  assert.deepEqual(errs({ hard: { pods: '1.5', widgets: '1', cpu: '-1' } }), [
    'spec.hard[pods]: Invalid value: "1.5": must be an integer',
    'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
    'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
    'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
  ]);
  assert.deepEqual(errs({ hard: { cpu: '1' }, scopes: ['BestEffort'] }), ['spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource']);
  assert.deepEqual(errs({ hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating'] }), ['spec.scopes: Invalid value: ["Terminating","NotTerminating"]: conflicting scopes']);
  assert.deepEqual(errs({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }] } }), ["spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"]);
  assert.equal(
    errs({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'BestEffort', operator: 'In', values: ['x'] }] } })[0],
    'spec.scopeSelector.matchExpressions.operator: Invalid value: "In": must be \'Exist\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity',
  );
  assert.deepEqual(errs({ hard: { pods: '1' }, scopes: ['BestEffort'] }, { hard: { pods: '1' } }), ['spec.scopes: Invalid value: ["BestEffort"]: field is immutable']);
});
