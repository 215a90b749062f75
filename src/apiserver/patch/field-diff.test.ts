// Field differences in one pass and in slices: the same leaves, and the sliced walk offers a turn
// before comparing each existing list-map item.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapList, object, setOf, str, struct } from '../../api/schema.js';
import { diffFields, diffFieldsSliced } from './field-diff.js';

const container = struct('Container', '', { name: str(), image: str(), env: mapList(object({ name: str(), value: str() }), 'name') });
const schema = object({ metadata: object({ labels: object({}, '', { preserveUnknownFields: true }), finalizers: setOf(str()) }), spec: object({ containers: mapList(container, 'name') }) });

const pod = (images: string[], extra: object = {}) => ({ metadata: { finalizers: ['a'] }, spec: { containers: images.map((image, i) => ({ name: `c${i}`, image, env: [{ name: 'X', value: String(i) }] })), ...extra } });
const keys = (paths: string[][]) => paths.map((p) => JSON.stringify(p)).sort();

test('diffFieldsSliced finds what diffFields finds, with a turn before each existing item', async () => {
  const cases: [string, object, object][] = [
    ['every image changed', pod(['a', 'b', 'c']), pod(['x', 'y', 'z'])],
    ['one item gone, one new', pod(['a', 'b', 'c']), pod(['a', 'b'])],
    ['nothing changed', pod(['a', 'b']), pod(['a', 'b'])],
    ['a set member and an env value', pod(['a']), { metadata: { finalizers: ['b'] }, spec: { containers: [{ name: 'c0', image: 'a', env: [{ name: 'X', value: 'changed' }] }] } }],
  ];
  for (const [what, a, b] of cases) {
    const once = diffFields(schema, a, b, []);
    let turns = 0;
    const sliced = await diffFieldsSliced(schema, a, b, [], () => {
      turns++;
      return undefined;
    });
    assert.deepEqual(keys(sliced.changed), keys(once.changed), `${what}: changed`);
    assert.deepEqual(keys(sliced.removed), keys(once.removed), `${what}: removed`);
    const shared = Math.min((a as ReturnType<typeof pod>).spec.containers.length, (b as ReturnType<typeof pod>).spec.containers.length);
    assert.equal(turns, shared, `${what}: one turn per existing item`);
  }
  // The image changes are leaves under each container's key.
  const d = diffFields(schema, pod(['a']), pod(['b']), []);
  assert.deepEqual(keys(d.changed), [JSON.stringify(['f:spec', 'f:containers', 'k:{"name":"c0"}', 'f:image'])]);
});
