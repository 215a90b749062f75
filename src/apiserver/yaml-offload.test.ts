import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBodyAsync, decodeBody } from './body.js';
import { ApiError } from '../api/errors.js';
import { OFFLOAD_YAML_BYTES } from './yaml-offload.js';

test('large YAML bodies decode off the event loop to the same value, with the same errors', async () => {
  const big = `data:\n${Array.from({ length: 5000 }, (_, i) => `  k${i}: "v${i}"`).join('\n')}\n  k1: again\n`;
  assert.ok(big.length > OFFLOAD_YAML_BYTES);
  const here = decodeBody(Buffer.from(big), 'application/yaml');
  // While the worker parses, the event loop keeps running: a timer scheduled now fires before the result.
  let ticked = false;
  setImmediate(() => {
    ticked = true;
  });
  const there = await decodeBodyAsync(Buffer.from(big), 'application/yaml');
  assert.deepEqual(there, here);
  assert.deepEqual(there.duplicates, ['data.k1']);
  assert.equal(ticked, true);
  const deep = `a: ${'['.repeat(100000)}`;
  await assert.rejects(decodeBodyAsync(Buffer.from(deep), 'application/yaml'), (e: unknown) => e instanceof ApiError && e.code === 400 && /nesting depth/.test(e.message));
  const broken = `a: [1, 2\n${'b: c\n'.repeat(5000)}`;
  await assert.rejects(decodeBodyAsync(Buffer.from(broken), 'application/apply-patch+yaml'), (e: unknown) => e instanceof ApiError && e.code === 400 && /not valid YAML/.test(e.message));
  // JSON and small YAML take the in-place path.
  assert.deepEqual((await decodeBodyAsync(Buffer.from('{"a":1}'), 'application/apply-patch+yaml')).value, { a: 1 });
  assert.deepEqual((await decodeBodyAsync(Buffer.from('a: 1'), 'application/yaml')).value, { a: 1 });
});
