import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinKinds } from '../../api/kinds/index.js';
import { ApiError } from '../../api/errors.js';
import { decodeProtobuf } from './decode.js';

const configMap = builtinKinds.find((k) => k.kind === 'ConfigMap')!.schema;
const magic = [0x6b, 0x38, 0x73, 0x00];
const envelope = (raw: number[]) => Buffer.from([...magic, 0x0a, 0x06, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x00, 0x12, raw.length, ...raw]);

test('malformed protobuf bodies are 400 BadRequest, never an internal error', () => {
  const cases: [string, Buffer][] = [
    ['no magic', Buffer.from('{"a":1}')],
    ['truncated varint in the envelope', Buffer.from([...magic, 0x0a, 0xff, 0xff, 0xff])],
    ['length past the end', Buffer.from([...magic, 0x12, 0x7f, 0x01])],
    ['truncated fixed64', Buffer.from([...magic, 0x09, 0x01, 0x02])],
    ['truncated fixed32', envelope([0x0d, 0x01])],
    ['unsupported wire type', envelope([0x0b])],
    ['varint longer than 10 bytes', envelope([0x08, ...Array(11).fill(0xff), 0x01])],
    ['varint where a message belongs', envelope([0x08, 0x05])],
    ['message where a string map entry belongs, truncated', envelope([0x12, 0x04, 0x0a, 0x09, 0x61, 0x62])],
  ];
  for (const [name, buf] of cases) {
    assert.throws(
      () => decodeProtobuf(buf, configMap),
      (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest',
      name,
    );
  }
});

test('a well-formed ConfigMap decodes', () => {
  // metadata { name: "a" }, data { "k": "v" }
  const obj = decodeProtobuf(envelope([0x0a, 0x03, 0x0a, 0x01, 0x61, 0x12, 0x06, 0x0a, 0x01, 0x6b, 0x12, 0x01, 0x76]), configMap);
  assert.deepEqual(obj, { metadata: { name: 'a' }, data: { k: 'v' }, apiVersion: 'v1' });
});
