import assert from 'node:assert/strict';
import { test } from 'node:test';
import { builtinKinds } from '../../api/kinds/index.js';
import { decodeProtobuf } from './decode.js';

const schemaOf = (kind: string) => builtinKinds.find((k) => k.kind === kind)!.schema;
const str = (s: string) => [s.length, ...Buffer.from(s)];
const field = (num: number, bytes: number[]) => [(num << 3) | 2, bytes.length, ...bytes];
/** "k8s\0" + runtime.Unknown { typeMeta { apiVersion: v1, kind }, raw }. */
const envelope = (kind: string, raw: number[]) => Buffer.from([0x6b, 0x38, 0x73, 0x00, ...field(1, [0x0a, ...str('v1'), 0x12, ...str(kind)]), ...field(2, raw)]);

test('a Binding sent as protobuf (as kube-scheduler sends it) decodes', () => {
  const raw = [...field(1, [0x0a, ...str('web-0')]), ...field(2, [0x0a, ...str('Node'), 0x1a, ...str('node-a')])];
  assert.deepEqual(decodeProtobuf(envelope('Binding', raw), schemaOf('Binding')), { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'web-0' }, target: { kind: 'Node', name: 'node-a' } });
});

test('a ReplicationController sent as protobuf decodes, its selector map and zero replicas included', () => {
  const selectorEntry = field(2, [0x0a, ...str('app'), 0x12, ...str('nginx')]);
  const spec = [0x08, 0x00, ...selectorEntry, 0x20, 0x05];
  const raw = [...field(1, [0x0a, ...str('nginx')]), ...field(2, spec)];
  assert.deepEqual(decodeProtobuf(envelope('ReplicationController', raw), schemaOf('ReplicationController')), {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'nginx' },
    spec: { replicas: 0, selector: { app: 'nginx' }, minReadySeconds: 5 },
  });
});
