// Lists through the real kubectl: chunked `kubectl get` (limit/continue) and unpaged Table output
// (streamed by the server) agree with each other, and forged continue tokens and future
// resourceVersions get Kubernetes' errors, which kubectl prints.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.js';

forEachBackend('list paging', (cluster) => {
  test('kubectl get with --chunk-size pages through everything; unpaged output matches', async () => {
    const c = cluster();
    await c.kubectl(['create', 'namespace', 'paging']);
    for (let i = 0; i < 12; i++) {
      const r = await c.request('POST', '/api/v1/namespaces/paging/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(2, '0')}`, labels: { test: 'paging' } }, data: { i: String(i) } });
      assert.equal(r.status, 201, r.body);
    }
    // By label: the root CA publisher adds kube-root-ca.crt to the namespace at a moment of its own.
    const chunked = await c.kubectl(['get', 'configmaps', '-n', 'paging', '-l', 'test=paging', '--chunk-size=1', '-o', 'name']);
    const whole = await c.kubectl(['get', 'configmaps', '-n', 'paging', '-l', 'test=paging', '--chunk-size=0', '-o', 'name']);
    const names = chunked.stdout
      .trim()
      .split('\n')
      .filter((l) => l.includes('cm-'));
    assert.equal(names.length, 12);
    assert.deepEqual(whole.stdout, chunked.stdout);
    const table = await c.kubectl(['get', 'configmaps', '-A', '--chunk-size=0']);
    assert.match(table.stdout, /^NAMESPACE\s+NAME\s+DATA\s+AGE/);
    assert.equal(table.stdout.split('\n').filter((l) => l.startsWith('paging ') && l.includes('cm-')).length, 12);
  });

  test('forged continue tokens and future resourceVersions are refused as Kubernetes refuses them', async () => {
    const c = cluster();
    const rv = Number((await c.request('GET', '/api/v1/namespaces/paging/configmaps?limit=1')).json.metadata.resourceVersion);
    const forged = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: '../../secrets/' })).toString('base64url');
    const r = await c.kubectl(['get', '--raw', `/api/v1/namespaces/paging/configmaps?limit=5&continue=${forged}`], { allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid continue token: continue key is not valid/);
    const future = await c.request('GET', `/api/v1/namespaces/paging/configmaps?resourceVersion=${rv + 100000}`);
    assert.equal(future.status, 504);
    assert.equal(future.json.details.causes[0].reason, 'ResourceVersionTooLarge');
    const bad = await c.kubectl(['get', '--raw', '/api/v1/namespaces/paging/configmaps?watch=1&timeoutSeconds=abc'], { allowFail: true });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /strconv.ParseInt: parsing "abc": invalid syntax/);
  });
});
