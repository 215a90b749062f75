// Protobuf bodies of the networking, storage and node kinds decode as their JSON would: an Ingress
// as `kubectl create ingress` sends it (its rules' embedded http value inlined), a CSIDriver whose
// false booleans are meant, a RuntimeClass with tolerations.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinKinds } from '../../api/kinds/index.js';
import { decodeProtobuf } from './decode.js';
import { ProtoWriter } from './writer.js';

const schemaOf = (kind: string) => builtinKinds.find((k) => k.kind === kind)!.schema;

function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  const w = new ProtoWriter();
  w.message(1, (t) => {
    t.string(1, apiVersion);
    t.string(2, kind);
  });
  w.bytes(2, raw);
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), w.finish()]);
}

test('an Ingress from kubectl create ingress', () => {
  const raw = new ProtoWriter();
  raw.message(1, (m) => m.string(1, 'web'));
  raw.message(2, (spec) => {
    spec.string(4, 'gifee');
    spec.message(3, (rule) => {
      rule.string(1, 'shop.example');
      rule.message(2, (value) =>
        value.message(1, (http) =>
          http.message(1, (path) => {
            path.string(1, '/');
            path.string(3, 'Prefix');
            path.message(2, (backend) =>
              backend.message(4, (svc) => {
                svc.string(1, 'web');
                svc.message(2, (port) => port.int(2, 80));
              }),
            );
          }),
        ),
      );
    });
    spec.message(2, (tls) => {
      tls.string(1, 'shop.example');
      tls.string(2, 'shop-cert');
    });
  });
  raw.message(3, () => {});
  const obj = decodeProtobuf(envelope('networking.k8s.io/v1', 'Ingress', raw.finish()), schemaOf('Ingress'));
  assert.deepEqual(obj, {
    metadata: { name: 'web' },
    spec: {
      ingressClassName: 'gifee',
      rules: [{ host: 'shop.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      tls: [{ hosts: ['shop.example'], secretName: 'shop-cert' }],
    },
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
  });
});

test('a CSIDriver keeps the false values it was sent', () => {
  const raw = new ProtoWriter();
  raw.message(1, (m) => m.string(1, 'hostpath.csi.k8s.io'));
  // The writer leaves false out; a Go client sends it for a pointer field: tag 1, varint 0.
  const rest = new ProtoWriter().bool(2, true).string(3, 'Ephemeral').string(5, 'File').finish();
  raw.bytes(2, Buffer.concat([Buffer.from([0x08, 0x00]), rest]));
  const obj = decodeProtobuf(envelope('storage.k8s.io/v1', 'CSIDriver', raw.finish()), schemaOf('CSIDriver'));
  assert.deepEqual(obj.spec, { attachRequired: false, podInfoOnMount: true, volumeLifecycleModes: ['Ephemeral'], fsGroupPolicy: 'File' });
});

test('a RuntimeClass with scheduling', () => {
  const raw = new ProtoWriter();
  raw.message(1, (m) => m.string(1, 'kata'));
  raw.string(2, 'kata');
  raw.message(4, (s) => {
    s.message(1, (e) => {
      e.string(1, 'runtime');
      e.string(2, 'kata');
    });
    s.message(2, (t) => {
      t.string(1, 'runtime');
      t.string(2, 'Exists');
      t.string(4, 'NoSchedule');
    });
  });
  const obj = decodeProtobuf(envelope('node.k8s.io/v1', 'RuntimeClass', raw.finish()), schemaOf('RuntimeClass'));
  assert.deepEqual(obj, { metadata: { name: 'kata' }, handler: 'kata', scheduling: { nodeSelector: { runtime: 'kata' }, tolerations: [{ key: 'runtime', operator: 'Exists', effect: 'NoSchedule' }] }, apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass' });
});
