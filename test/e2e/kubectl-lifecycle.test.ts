// Watching and waiting, describe with events, and deletion: finalizers, cascading deletion
// (foreground, background, orphan) and namespace deletion, driven with kubectl.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { forEachBackend } from '../helpers/backends.js';
import { kubectlBinary } from '../helpers/cluster.js';

const until = async (what: string, fn: () => Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
};

forEachBackend('kubectl lifecycle', (cluster) => {
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster().kubectl(args, o);
  const exists = async (what: string) => (await k(['get', what, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== '';

  test('get -w streams new objects as table rows', async () => {
    const c = cluster();
    // With nothing to list, kubectl prints no header until the first event; start with one object.
    await k(['create', 'configmap', 'watch-first', '--from-literal=x=y']);
    const proc = spawn(kubectlBinary, ['--kubeconfig', c.kubeconfig, '--cache-dir', `${c.dataDir}/watch-cache`, 'get', 'configmaps', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    try {
      await until('watch header', async () => /NAME\s+DATA\s+AGE/.test(out));
      await k(['create', 'configmap', 'watched', '--from-literal=x=y']);
      await until('watched configmap row', async () => /^watched\s+1\s+/m.test(out));
      await k(['label', 'configmap', 'watched', 'seen=yes']);
    } finally {
      proc.kill();
    }
  });

  test('wait --for=condition sees a status change', async () => {
    await k(['create', 'deployment', 'waiter', '--image=registry.local/x:1']);
    let done = false;
    const waiting = k(['wait', '--for=condition=Available', 'deployment/waiter', '--timeout=60s']).finally(() => (done = true));
    // The deployment controller writes this status too (Available=False: no pod runs here), so the
    // condition is set again until kubectl sees it; once would race with the controller, and with
    // kubectl's own start on a busy machine.
    while (!done) {
      const now = new Date().toISOString().replace(/\.\d+Z/, 'Z');
      await k(['patch', 'deployment', 'waiter', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: [{ type: 'Available', status: 'True', reason: 'Test', message: 'set by the test', lastUpdateTime: now, lastTransitionTime: now }] } })]);
      await Promise.race([waiting.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    }
    assert.match((await waiting).stdout, /deployment\.apps\/waiter condition met/);
  });

  test('describe shows the object with its events', async () => {
    await k(['create', 'configmap', 'described', '--from-literal=k=v']);
    const uid = (await k(['get', 'cm', 'described', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const now = new Date().toISOString().replace(/\.\d+Z/, 'Z');
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'described.1' },
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'described', namespace: 'default', uid },
      reason: 'Tested',
      message: 'an event for describe',
      type: 'Normal',
      source: { component: 'e2e' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await k(['create', '-f', '-'], { input: JSON.stringify(ev) });
    const out = (await k(['describe', 'configmap', 'described'])).stdout;
    assert.match(out, /Name:\s+described/);
    assert.match(out, /Events:/);
    assert.match(out, /Normal\s+Tested\s+.*e2e\s+an event for describe/);
    const events = (await k(['get', 'events', '--field-selector', 'involvedObject.name=described'])).stdout;
    assert.match(events, /Tested/);
  });

  test('finalizers hold an object until removed', async () => {
    await k(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: ["example.com/hold"]\n' });
    await k(['delete', 'configmap', 'held', '--wait=false']);
    const obj = JSON.parse((await k(['get', 'cm', 'held', '-o', 'json'])).stdout);
    assert.ok(obj.metadata.deletionTimestamp, 'deletionTimestamp set');
    await k(['patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    assert.equal(await exists('configmap/held'), false);
  });

  const owned = async (owner: string, n: number) => {
    const o = JSON.parse((await k(['create', 'configmap', owner, '-o', 'json'])).stdout);
    for (let i = 0; i < n; i++) {
      await k(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${owner}-dep-${i}`, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner, uid: o.metadata.uid, blockOwnerDeletion: true }] } }) });
    }
  };

  test('delete --cascade=foreground removes dependents before the owner', async () => {
    await owned('fg', 2);
    await k(['delete', 'configmap', 'fg', '--cascade=foreground', '--timeout=30s']);
    assert.equal(await exists('configmap/fg'), false);
    assert.equal(await exists('configmap/fg-dep-0'), false);
    assert.equal(await exists('configmap/fg-dep-1'), false);
  });

  test('delete --cascade=background removes the owner at once and dependents soon after', async () => {
    await owned('bg', 2);
    await k(['delete', 'configmap', 'bg', '--cascade=background']);
    assert.equal(await exists('configmap/bg'), false);
    await until('background dependents collected', async () => !(await exists('configmap/bg-dep-0')) && !(await exists('configmap/bg-dep-1')));
  });

  test('delete --cascade=orphan keeps dependents and drops their owner references', async () => {
    await owned('orph', 1);
    await k(['delete', 'configmap', 'orph', '--cascade=orphan', '--timeout=30s']);
    assert.equal(await exists('configmap/orph'), false);
    const dep = JSON.parse((await k(['get', 'configmap', 'orph-dep-0', '-o', 'json'])).stdout);
    assert.equal((dep.metadata.ownerReferences ?? []).length, 0);
  });

  test('deleting a namespace deletes everything in it, then the namespace', async () => {
    await k(['create', 'namespace', 'doomed']);
    await k(['create', 'configmap', 'a', '-n', 'doomed', '--from-literal=x=1']);
    await k(['create', 'deployment', 'd', '-n', 'doomed', '--image=registry.local/x:1']);
    await k(['delete', 'namespace', 'doomed', '--timeout=60s']);
    assert.equal(await exists('namespace/doomed'), false);
    const r = await cluster().request('GET', '/api/v1/namespaces/doomed/configmaps');
    assert.equal(r.json.items.length, 0);
  });

  test('list pagination: kubectl --chunk-size pages through everything', async () => {
    await k(['create', 'namespace', 'many']);
    for (let i = 0; i < 12; i++) await cluster().request('POST', '/api/v1/namespaces/many/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(2, '0')}` } });
    const names = (await k(['get', 'cm', '-n', 'many', '--chunk-size=5', '-o', 'name'])).stdout
      .trim()
      .split('\n')
      .filter((n) => n.startsWith('configmap/cm-'));
    assert.equal(names.length, 12);
    const page = await cluster().request('GET', '/api/v1/namespaces/many/configmaps?limit=5');
    assert.equal(page.json.items.length, 5);
    assert.ok(page.json.metadata.continue);
    // Optional in Kubernetes; SQLite leaves it out (counting the rest would make every page cost the whole list).
    const left = page.json.metadata.remainingItemCount;
    if (left !== undefined) assert.ok(left >= 7);
  });
});
