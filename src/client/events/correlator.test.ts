// The correlator with a fake clock: identical events fold into a count, similar ones combine after
// 10 distinct messages in 10 minutes, and each source+object is rate-limited (burst 25, +1 / 5 min).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventCorrelator } from './correlator.js';
import { COMBINED_PREFIX } from './aggregator.js';
import type { CoreEvent } from './types.js';

let seq = 0;
function ev(message: string, over: Partial<CoreEvent> = {}): CoreEvent {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `n1.${(seq++).toString(16)}`, namespace: 'default' },
    involvedObject: { kind: 'Node', name: 'n1', uid: 'u1', apiVersion: 'v1' },
    reason: 'CIDRNotAvailable',
    message,
    type: 'Warning',
    source: { component: 'node-ipam-controller' },
    firstTimestamp: '',
    lastTimestamp: '',
    count: 1,
    reportingComponent: 'node-ipam-controller',
    reportingInstance: '',
    ...over,
  };
}

function clock(start = Date.UTC(2026, 0, 1)) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('event correlator', () => {
  it('creates the first event and patches count and lastTimestamp for identical repeats', () => {
    const c = clock();
    const k = new EventCorrelator({ now: c.now });
    const first = k.correlate(ev('no CIDR left'));
    assert.ok(!first.skip);
    assert.equal(first.patch, undefined);
    assert.equal(first.event.count, 1);
    assert.equal(first.event.firstTimestamp, '2026-01-01T00:00:00Z');
    c.t += 7000;
    const second = k.correlate(ev('no CIDR left'));
    assert.ok(!second.skip);
    assert.equal(second.event.metadata.name, first.event.metadata.name, 'same Event object');
    assert.deepEqual(second.patch, { count: 2, lastTimestamp: '2026-01-01T00:00:07Z', message: 'no CIDR left' });
    assert.equal(second.event.firstTimestamp, '2026-01-01T00:00:00Z');
  });

  it('keeps events about different objects, reasons or types apart', () => {
    const k = new EventCorrelator({ now: clock().now });
    const a = k.correlate(ev('m'));
    const b = k.correlate(ev('m', { involvedObject: { kind: 'Node', name: 'n2', uid: 'u2', apiVersion: 'v1' } }));
    const c = k.correlate(ev('m', { reason: 'Other' }));
    const d = k.correlate(ev('m', { type: 'Normal' }));
    for (const r of [a, b, c, d]) assert.ok(!r.skip && !r.patch);
  });

  it('combines similar events after 10 distinct messages within 10 minutes', () => {
    const c = clock();
    const k = new EventCorrelator({ now: c.now });
    for (let i = 0; i < 9; i++) {
      const r = k.correlate(ev(`attempt ${i}`));
      assert.ok(!r.skip && !r.patch, `message ${i} is its own event`);
    }
    const tenth = k.correlate(ev('attempt 9'));
    assert.ok(!tenth.skip);
    assert.equal(tenth.event.message, `${COMBINED_PREFIX}attempt 9`);
    assert.equal(tenth.patch, undefined, 'the combined event is created once');
    const eleventh = k.correlate(ev('attempt 10'));
    assert.ok(!eleventh.skip);
    assert.equal(eleventh.event.metadata.name, tenth.event.metadata.name);
    assert.deepEqual(eleventh.patch?.count, 2);
    assert.equal(eleventh.patch?.message, `${COMBINED_PREFIX}attempt 10`);
  });

  it('forgets similar events after 10 quiet minutes', () => {
    const c = clock();
    const k = new EventCorrelator({ now: c.now, spam: { burst: 1000 } });
    for (let i = 0; i < 9; i++) k.correlate(ev(`attempt ${i}`));
    c.t += 600_001;
    const r = k.correlate(ev('attempt 9'));
    assert.ok(!r.skip);
    assert.equal(r.event.message, 'attempt 9', 'a new group starts: not combined');
  });

  it('rate-limits each source+object: a burst of 25, then one per 5 minutes', () => {
    const c = clock();
    const k = new EventCorrelator({ now: c.now });
    const results = Array.from({ length: 1000 }, () => k.correlate(ev('no CIDR left')));
    assert.equal(results.filter((r) => !r.skip).length, 25);
    // Another object from the same source has its own bucket.
    assert.ok(!k.correlate(ev('no CIDR left', { involvedObject: { kind: 'Node', name: 'n2', uid: 'u2', apiVersion: 'v1' } })).skip);
    c.t += 299_000;
    assert.ok(k.correlate(ev('no CIDR left')).skip, 'not yet refilled');
    c.t += 1000;
    const refilled = k.correlate(ev('no CIDR left'));
    assert.ok(!refilled.skip);
    assert.equal(refilled.patch?.count, 1002, 'the count includes the repeats that were not written');
    assert.ok(k.correlate(ev('no CIDR left')).skip);
  });

  it('after the API server lost an Event, the next repeat creates it again', () => {
    const k = new EventCorrelator({ now: clock().now });
    const first = k.correlate(ev('m'));
    assert.ok(!first.skip);
    k.forget(first.key);
    const again = k.correlate(ev('m'));
    assert.ok(!again.skip);
    assert.equal(again.patch, undefined);
  });
});
