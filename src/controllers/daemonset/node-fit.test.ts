import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fit } from './node-fit.js';

const node = (labels: Record<string, string>, taints: { key: string; effect: string; value?: string }[] = []) => ({ metadata: { name: 'n1', labels }, spec: { taints } });

test('nodeSelector, node affinity and taints decide where a daemon pod runs', () => {
  assert.deepEqual(fit({ nodeSelector: { disk: 'ssd' } }, node({ disk: 'hdd' })), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(fit({ nodeSelector: { disk: 'ssd' } }, node({ disk: 'ssd' })), { shouldRun: true, shouldContinueRunning: true });
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } };
  assert.equal(fit({ affinity }, node({})).shouldRun, false);
  assert.deepEqual(fit({}, node({}, [{ key: 'k', effect: 'NoSchedule' }])), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(fit({}, node({}, [{ key: 'k', effect: 'NoExecute' }])), { shouldRun: false, shouldContinueRunning: false });
  assert.equal(fit({ tolerations: [{ key: 'k', operator: 'Exists' }] }, node({}, [{ key: 'k', effect: 'NoExecute' }])).shouldRun, true);
});

test('Gt/Lt compare integers, and a malformed term places a daemon pod nowhere', () => {
  const gt = (v: string) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'v', operator: 'Gt', values: [v] }] }] } } });
  assert.equal(fit({ affinity: gt('1') }, node({ v: '2' })).shouldRun, true);
  assert.equal(fit({ affinity: gt('1') }, node({ v: '1.5' })).shouldRun, false);
  assert.equal(fit({ affinity: gt('x') }, node({ v: '2' })).shouldRun, false);
});
