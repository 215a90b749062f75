import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RestClient, StatusError } from '../../client/rest.js';
import { type DrainDecision, drainDecision, evictPods } from './drain.js';

test('drainDecision: drained once no pod is left, timed out only with a timeout that has run out, else wait', () => {
  const start = 1_000_000;
  const cases: { name: string; now: number; timeoutMs?: number; remaining: number; want: DrainDecision }[] = [
    { name: 'nothing left: drained', now: start, timeoutMs: 5000, remaining: 0, want: 'drained' },
    { name: 'nothing left after the timeout: drained all the same', now: start + 60_000, timeoutMs: 5000, remaining: 0, want: 'drained' },
    { name: 'nothing left, no timeout: drained', now: start, remaining: 0, want: 'drained' },
    { name: 'no timeout: wait, however long', now: start + 86_400_000, remaining: 3, want: 'wait' },
    { name: 'a timeout of 0 is none (kubectl drain --timeout=0)', now: start + 86_400_000, timeoutMs: 0, remaining: 1, want: 'wait' },
    { name: 'a negative timeout is none (validation refuses it before)', now: start + 86_400_000, timeoutMs: -1, remaining: 1, want: 'wait' },
    { name: 'within the timeout: wait', now: start + 4999, timeoutMs: 5000, remaining: 1, want: 'wait' },
    { name: 'at the timeout: timed out', now: start + 5000, timeoutMs: 5000, remaining: 1, want: 'timedOut' },
    { name: 'past the timeout: timed out', now: start + 90_000, timeoutMs: 5000, remaining: 2, want: 'timedOut' },
    { name: 'a clock behind the start: wait', now: start - 10_000, timeoutMs: 5000, remaining: 1, want: 'wait' },
  ];
  for (const c of cases) assert.equal(drainDecision({ now: c.now, startedAt: start, timeoutMs: c.timeoutMs, remaining: c.remaining }), c.want, c.name);
});

test('evictPods: a budget refusal is reported with the cause the API server gave; a dry run evicts nothing and reports every refusal', async () => {
  const pdbCause = 'The disruption budget db-pdb needs 1 healthy pods and has 1 currently';
  const answers: Record<string, () => never | object> = {
    held: () => {
      throw new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", { details: { causes: [{ reason: 'DisruptionBudget', message: pdbCause }] } });
    },
    gone: () => {
      throw new StatusError(404, 'NotFound', 'pods "gone" not found');
    },
    twice: () => {
      throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    },
    free: () => ({}),
  };
  const sent: { path: string; body: { deleteOptions?: unknown } }[] = [];
  const client = {
    request: async (_method: string, path: string, body: { deleteOptions?: unknown }) => {
      sent.push({ path, body });
      return answers[path.split('/')[6]]();
    },
  } as unknown as RestClient;
  const pod = (name: string) => ({ metadata: { namespace: 'ns', name } });

  assert.deepEqual(await evictPods(client, [pod('free'), pod('held'), pod('gone')]), [{ pod: 'ns/held', why: pdbCause }]);
  assert.equal(sent[0].path, '/api/v1/namespaces/ns/pods/free/eviction');
  assert.equal(sent[0].body.deleteOptions, undefined);
  await assert.rejects(evictPods(client, [pod('twice')]), /more than one PodDisruptionBudget/);

  sent.length = 0;
  assert.deepEqual(await evictPods(client, [pod('free'), pod('held'), pod('twice')], { dryRun: true }), [
    { pod: 'ns/held', why: pdbCause },
    { pod: 'ns/twice', why: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.' },
  ]);
  assert.ok(sent.every((s) => JSON.stringify(s.body.deleteOptions) === '{"dryRun":["All"]}'));
});
