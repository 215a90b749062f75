import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValue } from '../types.js';
import { afterUnknownOutcome, MAX_HISTORY, type Decision, type Mutation } from './unknown-outcome.js';

const kv = (value: string, createRevision: number, modRevision: number): KeyValue => ({ key: '/k', value, createRevision, modRevision });
type H = (KeyValue | null | 'compacted')[];

const create: Mutation = { kind: 'create', value: 'ours' };
const update: Mutation = { kind: 'update', value: 'ours', expectedRevision: 10 };

const cases: [string, Mutation, H, Decision][] = [
  // create
  ['create: stored, untouched since → ours', create, [kv('ours', 12, 12)], { do: 'acknowledge', kv: kv('ours', 12, 12) }],
  ['create: another value created → exists', create, [kv('theirs', 12, 12)], { do: 'exists' }],
  ['create: absent → unknown, not retried (may have been created and deleted)', create, [null], { do: 'unknown', why: 'the key is absent: the create may have been applied and the object deleted since' }],
  ['create: changed since its creation → read the created version', create, [kv('later', 12, 15)], { do: 'read', revision: 12 }],
  ['create: the created version is ours → acknowledged as created', create, [kv('later', 12, 15), kv('ours', 12, 12)], { do: 'acknowledge', kv: kv('ours', 12, 12) }],
  ['create: the created version is not ours → exists', create, [kv('ours', 12, 15), kv('theirs', 12, 12)], { do: 'exists' }],
  ['create: the created version compacted → unknown', create, [kv('later', 12, 15), 'compacted'], { do: 'unknown', why: 'the version created is no longer readable' }],
  ['create: the key unreadable → unknown', create, ['compacted'], { do: 'unknown', why: 'the key could not be read' }],
  // update
  ['update: still at the expected revision → retry (the compare admits one)', update, [kv('old', 5, 10)], { do: 'retry' }],
  ['update: gone → unknown', update, [null], { do: 'unknown', why: 'the key is gone: the update may have been applied before it was deleted' }],
  ['update: below the expected revision → conflict', update, [kv('x', 5, 8)], { do: 'conflict', modRevision: 8 }],
  ['update: moved on → read the version before', update, [kv('ours', 5, 14)], { do: 'read', revision: 13 }],
  ['update: first write after expected is ours → acknowledged', update, [kv('ours', 5, 14), kv('old', 5, 10)], { do: 'acknowledge', kv: kv('ours', 5, 14) }],
  ['update: first write after expected is theirs → conflict at the current revision', update, [kv('theirs', 5, 14), kv('old', 5, 10)], { do: 'conflict', modRevision: 14 }],
  ['update: ours, then theirs: walk back one more', update, [kv('theirs', 5, 16), kv('ours', 5, 14)], { do: 'read', revision: 13 }],
  ['update: ours, then theirs → acknowledged at ours', update, [kv('theirs', 5, 16), kv('ours', 5, 14), kv('old', 5, 10)], { do: 'acknowledge', kv: kv('ours', 5, 14) }],
  ['update: theirs with our bytes later (ABA): the first after expected decides', update, [kv('ours', 5, 16), kv('theirs', 5, 14), kv('old', 5, 10)], { do: 'conflict', modRevision: 16 }],
  ['update: deleted and re-created in between → unknown', update, [kv('ours', 15, 15), null], { do: 'unknown', why: 'the key was deleted or compacted since the expected revision' }],
  ['update: re-created (other createRevision) → unknown', update, [kv('ours', 15, 16), kv('x', 15, 15), kv('y', 3, 12)], { do: 'unknown', why: 'the key was re-created since the expected revision' }],
  ['update: history compacted → unknown', update, [kv('ours', 5, 14), 'compacted'], { do: 'unknown', why: 'the key was deleted or compacted since the expected revision' }],
  ['update: the walk passes below expected (it was stale) → conflict', update, [kv('theirs', 5, 14), kv('old', 5, 9)], { do: 'conflict', modRevision: 14 }],
  // delete
  ['delete with revision: still there at it → retry', { kind: 'delete', expectedRevision: 10 }, [kv('x', 5, 10)], { do: 'retry' }],
  ['delete with revision: gone → unknown', { kind: 'delete', expectedRevision: 10 }, [null], { do: 'unknown', why: 'the key moved on or is gone: the delete may have been ours' }],
  ['delete with revision: moved on → unknown', { kind: 'delete', expectedRevision: 10 }, [kv('x', 5, 12)], { do: 'unknown', why: 'the key moved on or is gone: the delete may have been ours' }],
  ['delete without revision: never retried', { kind: 'delete' }, [kv('x', 5, 10)], { do: 'unknown', why: 'an unconditional delete cannot be retried safely' }],
];

for (const [name, op, history, want] of cases) {
  test(`after an unknown outcome: ${name}`, () => {
    assert.deepEqual(afterUnknownOutcome(op, history), want);
  });
}

test('after an unknown outcome: the history walk is bounded', () => {
  // Every version written by someone else, one revision apart: the walk gives up after MAX_HISTORY reads.
  const history: H = [kv('theirs', 5, 100)];
  let d = afterUnknownOutcome(update, history);
  while (d.do === 'read') {
    history.push(kv('theirs', 5, d.revision));
    d = afterUnknownOutcome(update, history);
  }
  assert.equal(d.do, 'unknown');
  assert.equal(history.length, MAX_HISTORY + 1);
});
