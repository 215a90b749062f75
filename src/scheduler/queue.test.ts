import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SchedulingQueue } from './queue.js';
import { makePod } from './test-objects.js';
import { hasClaims } from './volumes/claims.js';

function clockedQueue() {
  let now = 1_000_000;
  const q = new SchedulingQueue({ now: () => now });
  return { q, tick: (ms: number) => (now += ms) };
}

const popKey = async (q: SchedulingQueue) => (await q.pop())!.key;

test('activeQ: higher priority first, then older creation first', async () => {
  const { q } = clockedQueue();
  q.add(makePod('late-low', { created: '2026-01-01T00:00:05Z' }));
  q.add(makePod('early-low', { created: '2026-01-01T00:00:01Z' }));
  q.add(makePod('high', { priority: 1000, created: '2026-01-01T00:00:09Z' }));
  assert.equal(await popKey(q), 'default/high');
  assert.equal(await popKey(q), 'default/early-low');
  assert.equal(await popKey(q), 'default/late-low');
});

test('pop waits for the next pod; close releases waiters', async () => {
  const { q } = clockedQueue();
  const waiting = q.pop();
  q.add(makePod('a'));
  assert.equal((await waiting)!.key, 'default/a');
  const again = q.pop();
  q.close();
  assert.equal(await again, undefined);
});

test('an unschedulable pod waits for a cluster event, then returns to active', async () => {
  const { q, tick } = clockedQueue();
  q.add(makePod('a'));
  const qp = (await q.pop())!;
  q.requeue(qp, true);
  assert.deepEqual(q.lengths, { active: 0, backoff: 0, unschedulable: 1, inFlight: 0 });
  tick(5000); // past the 1 s backoff of the first attempt
  q.moveAllToActiveOrBackoff('NodeAdd');
  assert.equal(q.lengths.active, 1);
});

test('an event right after a failure sends the pod to backoff, and it comes back when the backoff expires', async () => {
  const { q, tick } = clockedQueue();
  q.add(makePod('a'));
  const qp = (await q.pop())!;
  q.requeue(qp, true);
  q.moveAllToActiveOrBackoff('NodeAdd');
  assert.equal(q.lengths.backoff, 1);
  q.flushBackoffCompleted();
  assert.equal(q.lengths.backoff, 1, 'still backing off');
  tick(1000);
  q.flushBackoffCompleted();
  assert.equal(q.lengths.active, 1);
});

test('backoff doubles per attempt from 1 s up to 10 s', async () => {
  const { q, tick } = clockedQueue();
  q.add(makePod('a'));
  const durations: number[] = [];
  for (let i = 0; i < 6; i++) {
    const qp = (await q.pop())!;
    durations.push(q.backoffDuration(qp));
    q.requeue(qp, false);
    tick(q.backoffDuration(qp) - 1);
    q.flushBackoffCompleted();
    assert.equal(q.lengths.active, 0, 'not before its backoff expires');
    tick(1);
    q.flushBackoffCompleted();
    assert.equal(q.lengths.active, 1);
  }
  assert.deepEqual(durations, [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('unschedulable pods go back to active after 60 s without any event', async () => {
  const { q, tick } = clockedQueue();
  q.add(makePod('a'));
  q.requeue((await q.pop())!, true);
  tick(59_000);
  q.flushUnschedulableLeftover();
  assert.equal(q.lengths.unschedulable, 1);
  tick(1_000);
  q.flushUnschedulableLeftover();
  assert.equal(q.lengths.active, 1);
});

test('an update while the pod is being tried makes its failure go to backoff, not the unschedulable pool', async () => {
  const { q } = clockedQueue();
  q.add(makePod('a'));
  const qp = (await q.pop())!;
  q.update(makePod('a', { labels: { x: 'y' } }));
  q.requeue(qp, true);
  assert.equal(q.lengths.backoff, 1);
  assert.deepEqual(qp.pod.metadata?.labels, { x: 'y' });
});

test('an update to an unschedulable pod gives it another try', async () => {
  const { q, tick } = clockedQueue();
  q.add(makePod('a'));
  q.requeue((await q.pop())!, true);
  tick(2000);
  q.update(makePod('a', { cpu: '1' }));
  assert.equal(q.lengths.active, 1);
});

test('delete removes the pod wherever it waits, and a pod deleted in flight is not requeued', async () => {
  const { q } = clockedQueue();
  q.add(makePod('a'));
  q.add(makePod('b'));
  q.delete(makePod('a'));
  const qp = (await q.pop())!;
  assert.equal(qp.key, 'default/b');
  q.delete(makePod('b'));
  q.requeue(qp, true);
  assert.deepEqual(q.lengths, { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
});

test("an event's queueing hint moves only the unschedulable pods it may help", async () => {
  const { q, tick } = clockedQueue();
  const withClaim = makePod('with-claim', { spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } });
  q.add(withClaim);
  q.add(makePod('plain'));
  for (let i = 0; i < 2; i++) q.requeue((await q.pop())!, true);
  tick(5000);
  q.moveAllToActiveOrBackoff('PersistentVolumeClaimAdd', hasClaims);
  assert.deepEqual(q.lengths, { active: 1, backoff: 0, unschedulable: 1, inFlight: 0 });
  assert.equal(await popKey(q), 'default/with-claim');
});
