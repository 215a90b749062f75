import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../test-objects.js';
import type { PodSpec } from '../types.js';
import { ERR_NODE_AFFINITY, nodeAffinity } from './node-affinity.js';

const s = new CycleState();
const ssd = nodeInfo(makeNode('ssd-1', { labels: { disk: 'ssd', cores: '16' } }));
const hdd = nodeInfo(makeNode('hdd-1', { labels: { disk: 'hdd', cores: '4' } }));
const withSpec = (spec: PodSpec) => info(makePod('p', { spec }));
const required = (...terms: object[]): PodSpec => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never } } } });

test('nodeSelector must match every label', () => {
  const p = withSpec({ nodeSelector: { disk: 'ssd' } });
  assert.equal(nodeAffinity.filter!(s, p, ssd), undefined);
  assert.deepEqual(nodeAffinity.filter!(s, p, hdd), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_NODE_AFFINITY] });
});

test('required terms are ORed, expressions within a term ANDed', () => {
  const p = withSpec(
    required(
      {
        matchExpressions: [
          { key: 'disk', operator: 'In', values: ['ssd'] },
          { key: 'cores', operator: 'Gt', values: ['8'] },
        ],
      },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['hdd-1'] }] },
    ),
  );
  assert.equal(nodeAffinity.filter!(s, p, ssd), undefined);
  assert.equal(nodeAffinity.filter!(s, p, hdd), undefined);
  const strict = withSpec(
    required({
      matchExpressions: [
        { key: 'disk', operator: 'In', values: ['ssd'] },
        { key: 'cores', operator: 'Lt', values: ['8'] },
      ],
    }),
  );
  assert.ok(nodeAffinity.filter!(s, strict, ssd));
});

test('NotIn, Exists, DoesNotExist', () => {
  assert.ok(nodeAffinity.filter!(s, withSpec(required({ matchExpressions: [{ key: 'disk', operator: 'NotIn', values: ['ssd'] }] })), ssd));
  assert.equal(nodeAffinity.filter!(s, withSpec(required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] })), hdd), undefined);
  assert.ok(nodeAffinity.filter!(s, withSpec(required({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] })), hdd));
});

test('an empty term matches no node', () => {
  assert.ok(nodeAffinity.filter!(s, withSpec(required({})), ssd));
});

test('bad operators are errors with the field path, raised in preFilter', () => {
  const p = withSpec(required({ matchExpressions: [{ key: 'disk', operator: 'Like', values: ['s%'] }] }));
  assert.throws(() => nodeAffinity.preFilter!(s, p, { nodes: [], namespaceLabels: () => undefined, podsWithAffinity: 0, podsWithRequiredAntiAffinity: 0 }), /nodeSelectorTerms\[0\]\.matchExpressions: "Like" is not a valid node selector operator/);
  const gt = withSpec(required({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['many'] }] }));
  assert.throws(() => nodeAffinity.preFilter!(s, gt, { nodes: [], namespaceLabels: () => undefined, podsWithAffinity: 0, podsWithRequiredAntiAffinity: 0 }), /exactly one integer value/);
});

test('preferred terms score by weight, normalized to 100', () => {
  const p = withSpec({
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          { weight: 10, preference: { matchExpressions: [{ key: 'cores', operator: 'Exists' }] } },
        ],
      },
    },
  });
  const scores = [nodeAffinity.score!(s, p, ssd), nodeAffinity.score!(s, p, hdd)];
  assert.deepEqual(scores, [40, 10]);
  nodeAffinity.normalizeScore!(s, p, scores);
  assert.deepEqual(scores, [100, 25]);
});
