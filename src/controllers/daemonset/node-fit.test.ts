import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fit, tolerates } from './node-fit.js';

const node = (labels: Record<string, string>, taints: { key: string; effect: string; value?: string }[] = []) => ({ metadata: { name: 'n1', labels }, spec: { taints } });

test('tolerations match taints by key, value, operator and effect', () => {
  assert.ok(tolerates([{ key: 'a', operator: 'Exists' }], { key: 'a', effect: 'NoSchedule' }));
  assert.ok(tolerates([{ operator: 'Exists' }], { key: 'x', effect: 'NoExecute' }));
  assert.ok(tolerates([{ key: 'a', value: 'v', effect: 'NoSchedule' }], { key: 'a', value: 'v', effect: 'NoSchedule' }));
  assert.ok(!tolerates([{ key: 'a', value: 'w' }], { key: 'a', value: 'v', effect: 'NoSchedule' }));
  assert.ok(!tolerates([{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }], { key: 'a', effect: 'NoExecute' }));
});

test('nodeSelector, node affinity and taints decide where a daemon pod runs', () => {
  assert.deepEqual(fit({ nodeSelector: { disk: 'ssd' } }, node({ disk: 'hdd' })), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(fit({ nodeSelector: { disk: 'ssd' } }, node({ disk: 'ssd' })), { shouldRun: true, shouldContinueRunning: true });
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } };
  assert.equal(fit({ affinity }, node({})).shouldRun, false);
  assert.deepEqual(fit({}, node({}, [{ key: 'k', effect: 'NoSchedule' }])), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(fit({}, node({}, [{ key: 'k', effect: 'NoExecute' }])), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(fit({ tolerations: [{ key: 'k', operator: 'Exists' }] }, node({}, [{ key: 'k', effect: 'NoExecute' }])).shouldRun, true);
});
