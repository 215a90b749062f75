// Hostile bodies and patches get a Status with the right code and leave the server responsive:
// nesting depth, YAML alias bombs, JSON patch op counts and doubling copies, the 1.5 MiB object limit
// (on bodies; 3 MiB on patch results in stored form), long bad values, ConfigMap keys and overflowing quantities.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.js';

const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra });
const yaml = { 'Content-Type': 'application/yaml' };

forEachBackend('body limits', (cluster) => {
  const req = (...a: Parameters<ReturnType<typeof cluster>['request']>) => cluster().request(...a);
  const alive = async () => assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps?limit=1')).status, 200);

  test('bodies nested too deep are 400 in JSON, YAML and apply patches; at the limit they are accepted', async () => {
    const deepJson = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":${'['.repeat(100000)}${']'.repeat(100000)}}`;
    const j = await req('POST', '/api/v1/namespaces/default/configmaps', deepJson);
    assert.equal(j.status, 400);
    assert.equal(j.json.reason, 'BadRequest');
    assert.match(j.json.message, /nesting depth exceeds the limit of 512/);
    for (const body of [`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx: ${'['.repeat(100000)}`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx:\n${'- '.repeat(50000)}x\n`]) {
      const y = await req('POST', '/api/v1/namespaces/default/configmaps', body, yaml);
      assert.equal(y.status, 400);
      assert.match(y.json.message, /not valid YAML: nesting depth/);
    }
    assert.equal((await req('POST', '/api/v1/namespaces/default/configmaps', cm('target'))).status, 201);
    const apply = await req('PATCH', '/api/v1/namespaces/default/configmaps/target?fieldManager=t', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: target\nx: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}\n`, { 'Content-Type': 'application/apply-patch+yaml' });
    assert.equal(apply.status, 400);
    let v: unknown = 'x';
    for (let i = 0; i < 508; i++) v = [v];
    const ok = await req('POST', '/apis/apps/v1/namespaces/default/controllerrevisions', { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'at-limit' }, revision: 1, data: { v } });
    assert.equal(ok.status, 201, ok.body.slice(0, 300));
    await alive();
  });

  test('YAML alias bombs are 400, and 20,000-key YAML maps decode', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9)
          .fill(`*${'abcdefghi'[i - 1]}`)
          .join(',')}]`,
      );
    const bomb = await req('POST', '/api/v1/namespaces/default/configmaps', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n${levels.join('\n')}\n`, yaml);
    assert.equal(bomb.status, 400);
    assert.match(bomb.json.message, /Excessive alias count/);
    const keys = Array.from({ length: 20000 }, (_, i) => `  k${i}: v`).join('\n');
    const wide = await req('POST', '/api/v1/namespaces/default/configmaps', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n${keys}\n`, yaml);
    assert.equal(wide.status, 201);
    assert.equal(Object.keys(wide.json.data).length, 20000);
  });

  test('JSON patch: over 10,000 operations is 413; doubling copies are 422 and change nothing', async () => {
    assert.equal((await req('POST', '/api/v1/namespaces/default/configmaps', cm('patched'))).status, 201);
    const jp = { 'Content-Type': 'application/json-patch+json' };
    const many = await req('PATCH', '/api/v1/namespaces/default/configmaps/patched', JSON.stringify(Array.from({ length: 10001 }, () => ({ op: 'test', path: '/data/a', value: 'b' }))), jp);
    assert.equal(many.status, 413);
    assert.equal(many.json.reason, 'RequestEntityTooLarge');
    assert.match(many.json.message, /The allowed maximum operations in a JSON patch is 10000, got 10001/);
    const ops: unknown[] = [{ op: 'add', path: '/metadata/annotations', value: { a: 'x'.repeat(1000) } }];
    for (let i = 0; i < 23; i++) ops.push({ op: 'copy', from: '/metadata/annotations', path: `/metadata/annotations/c${i}` });
    const doubling = await req('PATCH', '/api/v1/namespaces/default/configmaps/patched', JSON.stringify(ops), jp);
    assert.equal(doubling.status, 422);
    assert.match(doubling.json.message, /accumulated size increase of copy is \d+, exceeding the limit 3145728/);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/patched')).json.metadata.annotations, undefined);
  });

  test('objects over 1.5 MiB are 413 as bodies, and patch results over the stored bound are 413', async () => {
    const big = await req('POST', '/api/v1/namespaces/default/configmaps', cm('big', { binaryData: { b: Buffer.alloc(1200 * 1024).toString('base64') } }));
    assert.equal(big.status, 413);
    assert.equal(big.json.message, 'Request entity too large: limit is 1572864');
    // A patch whose result outgrows the stored-object bound (3 MiB with defaults and managedFields):
    // a 1.4 MB value copied twice (within the copy budget).
    assert.equal((await req('POST', '/api/v1/namespaces/default/configmaps', cm('grows'))).status, 201);
    const ops = [
      { op: 'add', path: '/metadata/annotations', value: { a: 'x'.repeat(1400 * 1024) } },
      { op: 'copy', from: '/metadata/annotations/a', path: '/metadata/annotations/b' },
      { op: 'copy', from: '/metadata/annotations/a', path: '/metadata/annotations/c' },
    ];
    const grown = await req('PATCH', '/api/v1/namespaces/default/configmaps/grows', JSON.stringify(ops), { 'Content-Type': 'application/json-patch+json' });
    assert.equal(grown.status, 413);
    assert.equal(grown.json.message, 'Request entity too large: limit is 3145728');
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/grows')).json.metadata.annotations, undefined);
  });

  test('a pod whose stored form (defaults, managedFields) outgrows the store is 413 on etcd, never a 500', async () => {
    // No service account token volume: its mount in each of 6,000 containers would outgrow SQLite's limit too.
    const containers = Array.from({ length: 6000 }, (_, i) => ({ name: `c${i}`, image: 'registry.local/app:1', ports: [{ containerPort: 1000 + i }] }));
    const r = await req('POST', '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'wide' }, spec: { nodeName: 'nowhere', automountServiceAccountToken: false, containers } });
    if (cluster().backend === 'etcd') {
      assert.equal(r.status, 413);
      assert.equal(r.json.message, 'Request entity too large: limit is 1572864');
    } else assert.equal(r.status, 201);
    await alive();
  });

  test('a long invalid label value is not echoed back in full', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', cm('longlabel', { metadata: { name: 'longlabel', labels: { a: 'v'.repeat(1024 * 1024) } } }));
    assert.equal(r.status, 422);
    assert.equal(r.json.details.causes[0].field, 'metadata.labels');
    assert.ok(r.body.length < 4096, `a ${r.body.length}-byte Status`);
    assert.match(r.json.message, /more characters\): must be no more than 63 characters/);
  });

  test('ConfigMap and Secret keys starting with ".." are 422 Invalid', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', { ...cm('dots'), data: { '..data': 'x', '..': 'y' } });
    assert.equal(r.status, 422);
    const causes = r.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`).sort();
    assert.deepEqual(causes, [`data[..]: Invalid value: "..": must not be '..'`, `data[..data]: Invalid value: "..data": must not start with '..'`]);
    const s = await req('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'dots' }, stringData: { '..x': 'y' } });
    assert.equal(s.status, 422);
  });

  test('quantities that overflow are 422 at validation, not stored', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'huge' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1e1000' } } }] } };
    const r = await req('POST', '/api/v1/namespaces/default/pods', pod);
    assert.equal(r.status, 422);
    assert.equal(r.json.details.causes[0].field, 'spec.containers[0].resources.requests[cpu]');
    assert.match(r.json.message, /Invalid value: "1e1000": must be no more than 9223372036854775807/);
  });

  test('malformed protobuf bodies are 400', async () => {
    const body = Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x06, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x00, 0x12, 0x03, 0x0a, 0xff, 0xff]);
    // The helper sends strings as UTF-8, so the high bytes arrive re-encoded: still a truncated message.
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', body.toString('latin1'), { 'Content-Type': 'application/vnd.kubernetes.protobuf' });
    assert.equal(r.status, 400);
    assert.equal(r.json.reason, 'BadRequest');
    await alive();
  });
});
