// A pod naming a RuntimeClass runs only with a handler this agent has (runc): a missing class or
// another handler leaves the pod without a sandbox, waiting, with a FailedCreatePodSandBox event
// that says why; nothing is run with runc in its place.

import { after, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { StatusError } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { PodWorker, type WorkerDeps } from '../pods/worker.js';
import type { Pod } from '../pods/types.js';
import { cachedRuntimeClassLookup, checkRuntimeClass, runtimeClassProblem } from './runtime-class.js';

test('the problem with a RuntimeClass, in words', () => {
  assert.equal(runtimeClassProblem('fast', { handler: 'runc' }), undefined);
  assert.equal(runtimeClassProblem('gone', undefined), 'RuntimeClass "gone" not found');
  assert.equal(runtimeClassProblem('kata', { handler: 'kata-qemu' }), `no runtime for "kata-qemu" is configured (this node's runtime handlers: runc)`);
  assert.equal(runtimeClassProblem('odd', {}), `no runtime for "" is configured (this node's runtime handlers: runc)`);
});

test('pods without a runtimeClassName are not looked up', async () => {
  let asked = 0;
  const lookup = async () => {
    asked++;
    return undefined;
  };
  assert.equal(await checkRuntimeClass(undefined, lookup), undefined);
  assert.equal(await checkRuntimeClass('', lookup), undefined);
  assert.equal(asked, 0);
});

test('lookups are cached for a few seconds, found or not, and other errors are not cached', async () => {
  let t = 0;
  const calls: string[] = [];
  let fail = false;
  const client = {
    get: async (_r: unknown, _ns: string | undefined, name: string) => {
      calls.push(name);
      if (fail) throw new StatusError(500, 'InternalError', 'boom');
      if (name === 'runc') return { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name }, handler: 'runc' };
      throw new StatusError(404, 'NotFound', `runtimeclasses.node.k8s.io "${name}" not found`);
    },
  };
  const lookup = cachedRuntimeClassLookup(client as never, () => t);
  assert.equal((await lookup('runc'))?.handler, 'runc');
  assert.equal(await lookup('missing'), undefined);
  await lookup('runc');
  await lookup('missing');
  assert.deepEqual(calls, ['runc', 'missing']);
  t = 10_001;
  fail = true;
  await assert.rejects(lookup('runc'), /boom/);
  fail = false;
  await lookup('runc');
  assert.deepEqual(calls, ['runc', 'missing', 'runc', 'runc']);
});

const dataDir = mkdtempSync(join(tmpdir(), 'gifee-runtime-class-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** A worker whose runtime and network record what they are asked to do. */
function workerFor(pod: Pod, runtimeClasses: Record<string, { handler: string }>) {
  const did: string[] = [];
  const events: { reason: string; message: string }[] = [];
  const statuses: { phase?: string; containerStatuses?: { state: { waiting?: { reason: string } } }[] }[] = [];
  const deps = {
    nodeName: 'n1',
    hostIP: '127.0.0.1',
    dataDir,
    runtime: {
      name: 'runc',
      capabilities: { isolation: true, podNetwork: true, cgroups: true, oomScoreAdj: true },
      list: () => [],
      createSandbox: async () => {
        did.push('createSandbox');
        throw new Error('must not be reached');
      },
      createContainer: async () => {
        did.push('createContainer');
        throw new Error('must not be reached');
      },
    },
    network: {
      setup: async () => {
        did.push('network');
        throw new Error('must not be reached');
      },
    },
    client: {
      patch: async (_r: unknown, _ns: string, _n: string, body: { status: (typeof statuses)[0] }) => {
        statuses.push(body.status);
        return { ...pod, status: body.status };
      },
    },
    recorder: { record: (_o: unknown, _t: string, reason: string, message: string) => events.push({ reason, message }) },
    log: quiet,
    runtimeClasses: async (name: string) => (runtimeClasses[name] ? { metadata: { name }, ...runtimeClasses[name] } : undefined),
    restartBackoffMs: 10_000,
    nodeCapacity: { cpu: 1, memory: 1 << 30 },
  } as unknown as WorkerDeps;
  return { worker: new PodWorker(pod, deps), did, events, statuses };
}

const podNamed = (runtimeClassName?: string): Pod =>
  ({
    metadata: { name: 'p', namespace: 'default', uid: '0123456789abcdef' },
    spec: { ...(runtimeClassName ? { runtimeClassName } : {}), containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] },
    status: { phase: 'Pending' },
  }) as unknown as Pod;

async function settle(statuses: unknown[]) {
  for (let i = 0; i < 100 && statuses.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
}

for (const [what, pod, classes, message] of [
  ['a missing RuntimeClass', podNamed('gone'), {}, 'Failed to create pod sandbox: RuntimeClass "gone" not found'],
  ['a handler the node lacks', podNamed('kata'), { kata: { handler: 'kata-qemu' } }, `Failed to create pod sandbox: no runtime for "kata-qemu" is configured (this node's runtime handlers: runc)`],
] as const) {
  test(`a pod naming ${what} gets no sandbox and waits with the reason`, async () => {
    const { worker, did, events, statuses } = workerFor(pod, classes);
    worker.kick();
    await settle(statuses);
    assert.deepEqual(did, [], 'no network, sandbox or container was made');
    assert.deepEqual(events, [{ reason: 'FailedCreatePodSandBox', message }]);
    assert.equal(statuses[0].phase, 'Pending');
    assert.equal(statuses[0].containerStatuses?.[0].state.waiting?.reason, 'ContainerCreating');
  });
}

test('a pod whose RuntimeClass has the runc handler goes on to make its sandbox', async () => {
  const { worker, did, events, statuses } = workerFor(podNamed('fast'), { fast: { handler: 'runc' } });
  worker.kick();
  await settle(statuses);
  assert.equal(did[0], 'network', 'sandbox creation started');
  assert.ok(!events.some((e) => /RuntimeClass|no runtime/.test(e.message)));
});
