// node.k8s.io/v1 RuntimeClass validation, as Kubernetes': handler (a DNS label, immutable),
// overhead (non-negative quantities), scheduling (node selector labels, tolerations).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../kind.js';
import { columnsOf } from '../../table.js';
import { admit } from '../workloads/testing.js';
import { runtimeClass } from './runtimeclass.js';

const rc = (extra: Record<string, unknown> = {}): KObject => ({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'myclass' }, handler: 'runc', ...extra });
const paths = (obj: KObject, old?: KObject) => admit(runtimeClass, obj, old).errors.map((e) => `${e.field} ${e.reason}`);

test('RuntimeClass: good and bad classes', () => {
  const cases: [string, KObject, string[]][] = [
    ['minimal', rc(), []],
    ['overhead and scheduling', rc({ overhead: { podFixed: { memory: '120Mi', cpu: '250m' } }, scheduling: { nodeSelector: { 'runtime/kata': 'true' }, tolerations: [{ key: 'runtime', operator: 'Equal', value: 'kata', effect: 'NoSchedule' }] } }), []],
    ['no handler', { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'x' } }, ['handler FieldValueInvalid']],
    ['handler not a DNS label', rc({ handler: 'Kata_QEMU' }), ['handler FieldValueInvalid']],
    ['negative overhead', rc({ overhead: { podFixed: { cpu: '-1' } } }), ['overhead.limits[cpu] FieldValueInvalid']],
    ['bad overhead quantity', rc({ overhead: { podFixed: { cpu: 'lots' } } }), ['overhead.podFixed[cpu] FieldValueInvalid']],
    ['bad node selector value', rc({ scheduling: { nodeSelector: { a: 'not valid!' } } }), ['scheduling.nodeSelector[a] FieldValueInvalid']],
    ['bad toleration', rc({ scheduling: { tolerations: [{ operator: 'Equal', value: 'x' }] } }), ['scheduling.tolerations[0].operator FieldValueInvalid']],
  ];
  for (const [what, o, want] of cases) assert.deepEqual(paths(o), want, what);
  assert.deepEqual(paths(rc({ handler: 'kata' }), rc()), ['handler FieldValueInvalid'], 'handler is immutable');
  assert.deepEqual(paths(rc({ overhead: { podFixed: { cpu: '1' } } }), rc()), [], 'overhead may change');
  assert.deepEqual(
    columnsOf(runtimeClass).map((c) => c.name),
    ['Name', 'Handler', 'Age'],
  );
  assert.equal(columnsOf(runtimeClass)[1].cell?.(rc()), 'runc');
});
