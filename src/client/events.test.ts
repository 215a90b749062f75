// The recorder against a fake API: a storm of identical events becomes a create and a few patches,
// never more writes than the spam filter allows, and a slow API server makes it drop (and count)
// rather than queue without bound.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/kind.js';
import { logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { EventRecorder } from './events.js';
import { StatusError } from './rest.js';

const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u1' } } as KObject;

function fakeApi() {
  const events = new Map<string, Record<string, unknown>>();
  const calls: string[] = [];
  let gate: Promise<void> | undefined;
  const api = {
    events,
    calls,
    hold() {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    async create(_r: unknown, ns: string | undefined, obj: KObject) {
      await gate;
      calls.push('create');
      events.set(`${ns}/${obj.metadata!.name}`, { ...(obj as object) });
      return obj;
    },
    async patch(_r: unknown, ns: string | undefined, name: string, patch: unknown) {
      await gate;
      calls.push('patch');
      const e = events.get(`${ns}/${name}`);
      if (!e) throw new StatusError(404, 'NotFound', 'not found');
      Object.assign(e, patch);
      return e as KObject;
    },
  };
  return api;
}

const settle = async (r: EventRecorder) => {
  for (let i = 0; i < 100 && r.pending > 0; i++) await new Promise((res) => setImmediate(res));
  await new Promise((res) => setImmediate(res));
};

const droppedCount = (reason: string) => Number(new RegExp(`event_recorder_dropped_total\\{component="test-${reason}",reason="${reason}"\\} (\\d+)`).exec(metrics.render())?.[1] ?? 0);

describe('event recorder', () => {
  it('writes one Event with a count for repeats', async () => {
    const api = fakeApi();
    let t = Date.UTC(2026, 0, 1);
    const r = new EventRecorder(api, 'node-ipam-controller', logger('test'), undefined, { now: () => t });
    r.record(node, 'Warning', 'CIDRNotAvailable', 'no CIDR left');
    await settle(r);
    for (let i = 0; i < 4; i++) {
      t += 1000;
      r.record(node, 'Warning', 'CIDRNotAvailable', 'no CIDR left');
      await settle(r);
    }
    assert.equal(api.events.size, 1);
    const e = [...api.events.values()][0];
    assert.equal(e.count, 5);
    assert.equal(e.firstTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(e.lastTimestamp, '2026-01-01T00:00:04Z');
    assert.deepEqual(api.calls, ['create', 'patch', 'patch', 'patch', 'patch']);
    await r.close();
  });

  it("a storm costs at most the spam filter's burst of writes, and repeats waiting to be written coalesce", async () => {
    const api = fakeApi();
    const r = new EventRecorder(api, 'test-spam_filter', logger('test'), undefined, { now: () => 0 });
    for (let i = 0; i < 10_000; i++) r.record(node, 'Warning', 'CIDRNotAvailable', 'no CIDR left');
    await settle(r);
    assert.ok(api.calls.length <= 25, `${api.calls.length} writes`);
    assert.equal(api.events.size, 1);
    assert.equal(droppedCount('spam_filter'), 10_000 - 25);
    await r.close();
  });

  it('drops new events when the queue is full, and counts them', async () => {
    const api = fakeApi();
    const release = api.hold(); // the API server does not answer
    const r = new EventRecorder(api, 'test-queue_full', logger('test'), undefined, { queueSize: 10 });
    for (let i = 0; i < 50; i++) r.record({ ...node, metadata: { name: `n${i}`, uid: `u${i}` } } as KObject, 'Normal', 'Registered', 'hello');
    assert.ok(r.pending <= 10);
    assert.equal(droppedCount('queue_full'), 50 - 11, 'one in flight, ten waiting');
    release();
    await settle(r);
    assert.equal(api.events.size, 11);
    await r.close();
  });

  it('re-creates an Event deleted meanwhile, with its count so far', async () => {
    const api = fakeApi();
    const r = new EventRecorder(api, 'test', logger('test'));
    r.record(node, 'Normal', 'Registered', 'hello');
    await settle(r);
    api.events.clear();
    r.record(node, 'Normal', 'Registered', 'hello');
    await settle(r);
    assert.deepEqual(api.calls, ['create', 'patch', 'create']);
    assert.equal([...api.events.values()][0].count, 2);
    await r.close();
  });
});
