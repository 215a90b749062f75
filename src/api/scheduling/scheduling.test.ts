import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toleratesTaint, tolerated, taintsOfNode } from './tolerations.js';
import { InvalidNodeSelectorError, podSpecMatchesNode, requirementMatches, termMatches } from './node-selector.js';

test("toleratesTaint follows Kubernetes' rules for effect, key, operator and value", () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const cases: [object, boolean][] = [
    [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, true],
    [{ key: 'dedicated', value: 'gpu' }, true], // Equal by default, every effect
    [{ key: 'dedicated', value: 'cpu' }, false],
    [{ key: 'dedicated', operator: 'Exists' }, true],
    [{ operator: 'Exists' }, true], // empty key + Exists tolerates everything
    [{ operator: 'Exists', effect: 'NoExecute' }, false],
    [{ value: 'gpu' }, false], // Equal without a key is invalid: tolerates nothing
    [{ key: 'dedicated', operator: 'Gt', value: 'gpu' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
  ];
  for (const [t, want] of cases) assert.equal(toleratesTaint(t, taint), want, JSON.stringify(t));
  assert.equal(tolerated(undefined, taint), false);
  assert.deepEqual(taintsOfNode({ spec: { taints: [taint, null, { value: 'x' }] } }), [taint]);
  assert.deepEqual(taintsOfNode({ spec: { taints: 'bad' } }), []);
});

test('node selector requirements: set operators, and Gt/Lt compare integers only', () => {
  const cases: [string, string[], string | undefined, boolean][] = [
    ['In', ['a', 'b'], 'a', true],
    ['In', ['a'], undefined, false],
    ['NotIn', ['a'], undefined, true],
    ['NotIn', ['a'], 'a', false],
    ['Exists', [], '', true],
    ['DoesNotExist', [], 'x', false],
    ['Gt', ['1'], '2', true],
    ['Gt', ['1'], '1.5', false], // not an integer: no match (the DaemonSet copy once said yes)
    ['Lt', ['10'], '9', true],
    ['Lt', ['10'], 'abc', false],
    ['Gt', ['-5'], '-4', true],
  ];
  for (const [operator, values, value, want] of cases) assert.equal(requirementMatches({ key: 'k', operator, values }, value, 'f'), want, `${operator} ${values} ${value}`);
  assert.throws(() => requirementMatches({ key: 'k', operator: 'Gt', values: ['1.5'] }, '2', 'f'), InvalidNodeSelectorError);
  assert.throws(() => requirementMatches({ key: 'k', operator: 'Gt', values: ['1', '2'] }, '2', 'f'), InvalidNodeSelectorError);
  assert.throws(() => requirementMatches({ key: 'k', operator: 'Near', values: [] }, '2', 'f'), /not a valid node selector operator/);
});

test('terms: empty matches nothing, matchFields only metadata.name, terms ORed, nodeSelector ANDed', () => {
  const node = { labels: { zone: 'a', size: '4' }, name: 'n1' };
  assert.equal(termMatches({}, node), false);
  assert.equal(termMatches({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, node), true);
  assert.throws(() => termMatches({ matchFields: [{ key: 'spec.x', operator: 'In', values: ['n1'] }] }, node), /only metadata.name/);
  const spec = (terms: object[], nodeSelector?: object) => ({ nodeSelector, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  assert.equal(podSpecMatchesNode(spec([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'size', operator: 'Gt', values: ['2'] }] }]), node), true);
  assert.equal(podSpecMatchesNode(spec([{ matchExpressions: [{ key: 'size', operator: 'Gt', values: ['2'] }] }], { zone: 'b' }), node), false);
  assert.equal(podSpecMatchesNode({}, node), true);
  assert.equal(podSpecMatchesNode(undefined, node), true);
});
