import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../test-objects.js';
import { ERR_UNSCHEDULABLE, nodeUnschedulable } from './node-unschedulable.js';
import { nodeName } from './node-name.js';

const s = new CycleState();
const cordoned = nodeInfo(makeNode('c', { unschedulable: true }));

test('a cordoned node takes no ordinary pod', () => {
  assert.deepEqual(nodeUnschedulable.filter!(s, info(makePod('p')), cordoned), { code: 'UnschedulableAndUnresolvable', reasons: [ERR_UNSCHEDULABLE] });
  assert.equal(nodeUnschedulable.filter!(s, info(makePod('p')), nodeInfo(makeNode('ok'))), undefined);
});

test('the unschedulable taint toleration lets a pod onto a cordoned node', () => {
  const ds = info(makePod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } }));
  assert.equal(nodeUnschedulable.filter!(s, ds, cordoned), undefined);
});

test('NodeName: a pod naming a node fits only that node', () => {
  const p = info(makePod('p', { nodeName: 'c' }));
  assert.equal(nodeName.filter!(s, p, cordoned), undefined);
  assert.ok(nodeName.filter!(s, p, nodeInfo(makeNode('other'))));
});
