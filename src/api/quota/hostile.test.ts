// Every input is hostile: the quota and limit range rules take any JSON (what validation has not
// seen yet, or objects written by older servers) without throwing.

import { test } from 'node:test';
import fc from 'fast-check';
import type { KObject } from '../kind.js';
import { checkQuotaRequest } from './check.js';
import { defaultPod, podViolations, pvcViolations } from './limit-ranger.js';
import { usageOf } from './usage.js';
import { defaultLimitRange, validateLimitRange } from './validate-limitrange.js';
import { validateResourceQuota } from './validate-quota.js';

const quantity = fc.oneof(fc.constantFrom('1', '500m', '1Gi', '-1', '1e3', '0.5', 'x', '', '1e99', '9223372036854775807'), fc.string(), fc.double(), fc.integer());
const resources = fc.dictionary(fc.oneof(fc.constantFrom('cpu', 'memory', 'pods', 'storage', 'requests.cpu', 'limits.memory', 'count/deployments.apps', 'example.com/gpu', 'hugepages-2Mi'), fc.string()), quantity);
const anything = fc.anything();
const container = fc.record({ name: fc.oneof(fc.string(), anything), resources: fc.oneof(fc.record({ requests: fc.oneof(resources, anything), limits: fc.oneof(resources, anything) }), anything) }, { requiredKeys: [] });
const pod = fc.record(
  {
    metadata: fc.oneof(fc.record({ name: fc.string(), deletionTimestamp: fc.string(), deletionGracePeriodSeconds: fc.integer() }, { requiredKeys: [] }), anything),
    spec: fc.oneof(fc.record({ containers: fc.array(container), initContainers: fc.array(fc.oneof(container, anything)), activeDeadlineSeconds: anything, priorityClassName: anything, affinity: anything, overhead: resources }, { requiredKeys: [] }), anything),
    status: anything,
  },
  { requiredKeys: [] },
);
const item = fc.record({ type: fc.oneof(fc.constantFrom('Container', 'Pod', 'PersistentVolumeClaim'), fc.string(), anything), max: resources, min: resources, default: fc.oneof(resources, anything), defaultRequest: fc.oneof(resources, anything), maxLimitRequestRatio: resources }, { requiredKeys: [] });
const limitRange = fc.record({ spec: fc.oneof(fc.record({ limits: fc.oneof(fc.array(item), anything) }), anything) }, { requiredKeys: [] });
const scopeReq = fc.record({ scopeName: fc.oneof(fc.constantFrom('BestEffort', 'PriorityClass', 'Terminating'), fc.string()), operator: fc.oneof(fc.constantFrom('In', 'NotIn', 'Exists'), fc.string()), values: fc.oneof(fc.array(fc.string()), anything) }, { requiredKeys: [] });
const quota = fc.record(
  {
    metadata: fc.record({ name: fc.string(), resourceVersion: fc.string() }),
    spec: fc.oneof(fc.record({ hard: resources, scopes: fc.oneof(fc.array(fc.string()), anything), scopeSelector: fc.oneof(fc.record({ matchExpressions: fc.array(scopeReq) }), anything) }, { requiredKeys: [] }), anything),
    status: fc.oneof(fc.record({ hard: resources, used: resources }, { requiredKeys: [] }), anything),
  },
  { requiredKeys: [] },
);

test('quota and limit range rules never throw on hostile objects', () => {
  fc.assert(
    fc.property(quota, quota, limitRange, pod, fc.constantFrom('CREATE', 'UPDATE'), fc.constantFrom('pods', 'services', 'persistentvolumeclaims', 'secrets'), (q, q2, lr, p, op, resource) => {
      const gr = { group: '', resource };
      validateResourceQuota(q as KObject, q2 as KObject);
      const range = structuredClone(lr) as KObject;
      defaultLimitRange(range);
      validateLimitRange(range);
      const copy = structuredClone(p) as KObject;
      defaultPod(range, copy);
      podViolations(range, copy);
      pvcViolations(range, copy);
      usageOf(gr, copy);
      checkQuotaRequest([q as KObject, q2 as KObject], { gr, operation: op, obj: copy, old: p as KObject });
    }),
    { numRuns: 2000 },
  );
});
