import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowcontrolKinds } from '../../api/kinds/flowcontrol/index.js';
import { MANDATORY_FLOW_SCHEMAS, MANDATORY_PRIORITY_LEVELS, SUGGESTED_FLOW_SCHEMAS, SUGGESTED_PRIORITY_LEVELS } from './defaults.js';

const [fsDef, plDef] = flowcontrolKinds;

test('every bootstrap object is valid, and every FlowSchema names a bootstrap priority level', () => {
  const levels = new Set([...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS].map((o) => o.metadata!.name));
  for (const o of [...MANDATORY_PRIORITY_LEVELS, ...SUGGESTED_PRIORITY_LEVELS]) {
    const c = structuredClone(o);
    plDef.default!(c);
    assert.deepEqual(plDef.validate!(c), [], o.metadata!.name);
  }
  for (const o of [...MANDATORY_FLOW_SCHEMAS, ...SUGGESTED_FLOW_SCHEMAS]) {
    const c = structuredClone(o);
    fsDef.default!(c);
    assert.deepEqual(fsDef.validate!(c), [], o.metadata!.name);
    assert.ok(levels.has((o.spec as { priorityLevelConfiguration: { name: string } }).priorityLevelConfiguration.name), o.metadata!.name);
  }
  assert.equal(levels.size, 8);
  assert.equal(MANDATORY_FLOW_SCHEMAS.length + SUGGESTED_FLOW_SCHEMAS.length, 13);
});
