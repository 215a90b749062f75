import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventRecorder } from '../client/events.js';
import type { InformerLike } from '../client/informer.js';
import type { RestClient } from '../client/rest.js';
import { logger } from '../util/log.js';
import { errorStatus, Framework, type Plugin } from './framework.js';
import { SchedulingQueue } from './queue.js';
import { PodScheduler } from './schedule-one.js';
import { cacheOf, makeNode, makePod } from './test-objects.js';

function harness(preBind: () => Promise<ReturnType<typeof errorStatus> | undefined>) {
  const calls: string[] = [];
  const plugin: Plugin = {
    name: 'Volumes',
    reserve: () => void calls.push('reserve'),
    unreserve: () => void calls.push('unreserve'),
    preBind: async () => {
      calls.push('preBind');
      return preBind();
    },
  };
  const pod = makePod('p');
  const client = {
    request: async (method: string, path: string) => void calls.push(`${method} ${path}`),
    patch: async () => void calls.push('patch status'),
  } as unknown as RestClient;
  const events = { record: (_o: unknown, type: string, reason: string, message: string) => calls.push(`${type} ${reason}: ${message}`) } as unknown as EventRecorder;
  const pods = { get: () => pod } as unknown as InformerLike;
  const cache = cacheOf([makeNode('n')]);
  const queue = new SchedulingQueue();
  const scheduler = new PodScheduler(client, new Framework([plugin]), cache, queue, pods, events, logger('test'));
  return { calls, pod, cache, queue, scheduler };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

test('preBind runs before the Binding', async () => {
  const h = harness(async () => undefined);
  h.queue.add(h.pod);
  h.scheduler.scheduleOne((await h.queue.pop())!);
  await settle();
  assert.deepEqual(h.calls.slice(0, 3), ['reserve', 'preBind', 'POST /api/v1/namespaces/default/pods/p/binding']);
  assert.equal(h.cache.isAssumed('default/p'), true);
  assert.deepEqual(h.queue.lengths, { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
});

test('a failed preBind unreserves, forgets the assumed pod and retries after backoff', async () => {
  const h = harness(async () => errorStatus('binding volumes: provisioning failed for PVC "data"'));
  h.queue.add(h.pod);
  h.scheduler.scheduleOne((await h.queue.pop())!);
  await settle();
  assert.deepEqual(h.calls, ['reserve', 'preBind', 'unreserve', 'Warning FailedScheduling: running PreBind plugin "Volumes": binding volumes: provisioning failed for PVC "data"', 'patch status']);
  assert.equal(h.cache.isAssumed('default/p'), false);
  assert.equal(h.cache.nodes.get('n')?.pods.size, 0);
  assert.deepEqual(h.queue.lengths, { active: 0, backoff: 1, unschedulable: 0, inFlight: 0 });
});
