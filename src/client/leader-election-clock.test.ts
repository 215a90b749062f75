// The elector with a fake clock and an in-memory Lease: a leader whose requests stop being answered
// steps down once renewDeadline has passed, and leads again on its own once they are answered;
// a standby takes over a lease nobody renews after leaseDuration; a stopping leader holds its lease
// while its controllers stop (up to stopGraceMs), then releases it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../api/kind.js';
import { logger } from '../util/log.js';
import { LeaderElector, type ElectionClock } from './leader-election.js';
import { StatusError, type RestClient } from './rest.js';

class FakeClock implements ElectionClock {
  t = 1_000_000;
  private timers: { at: number; fire(): void }[] = [];
  now = () => this.t;
  sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = { at: this.t + ms, fire: () => resolve() };
      this.timers.push(timer);
      signal.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });
  /** Move time forward, firing due timers in order and letting the elector react to each. */
  async advance(ms: number) {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = next.at;
      next.fire();
    }
    this.t = end;
    await settle();
  }
}

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** One Lease in memory, with resourceVersion checks; a stalled client never answers. */
function fakeLeases() {
  let lease: KObject | undefined;
  let rv = 0;
  const client = (name: string) => {
    const c = {
      stalled: false,
      async get() {
        if (c.stalled) return new Promise<never>(() => {});
        if (!lease) throw new StatusError(404, 'NotFound', 'not found');
        return structuredClone(lease);
      },
      async create(_r: unknown, _ns: unknown, obj: KObject) {
        if (c.stalled) return new Promise<never>(() => {});
        if (lease) throw new StatusError(409, 'AlreadyExists', 'exists');
        lease = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        return structuredClone(lease);
      },
      async update(_r: unknown, obj: KObject) {
        if (c.stalled) return new Promise<never>(() => {});
        if (obj.metadata?.resourceVersion !== lease?.metadata?.resourceVersion) throw new StatusError(409, 'Conflict', 'conflict');
        lease = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++rv) } };
        return structuredClone(lease);
      },
      name,
    };
    return c;
  };
  return { client, holder: () => (lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '' };
}

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function elector(clock: FakeClock, client: unknown, identity: string, events: string[], onStopped: () => Promise<void> | void = () => {}) {
  return new LeaderElector({
    client: client as RestClient,
    namespace: 'kube-system',
    name: 'test',
    identity,
    ...timing,
    clock,
    log: logger('test', { identity }),
    onStartedLeading: () => void events.push(`${identity}+`),
    onStoppedLeading: async () => {
      await onStopped();
      events.push(`${identity}-`);
    },
  });
}

describe('leader election with a fake clock', () => {
  it('a leader that cannot renew steps down after renewDeadline, then leads again once it can', async () => {
    const clock = new FakeClock();
    const leases = fakeLeases();
    const client = leases.client('a');
    const events: string[] = [];
    const a = elector(clock, client, 'a', events);
    a.start();
    await clock.advance(0);
    assert.ok(a.isLeader());
    await clock.advance(20_000); // renewing fine
    assert.deepEqual(events, ['a+']);

    client.stalled = true;
    await clock.advance(9_000);
    assert.ok(a.isLeader(), 'still within renewDeadline');
    await clock.advance(3_000);
    assert.ok(!a.isLeader(), 'stepped down once renewDeadline passed');
    assert.deepEqual(events, ['a+', 'a-']);
    await clock.advance(60_000); // campaigning; every attempt stalls, none may hang the campaign
    assert.ok(!a.isLeader());

    client.stalled = false;
    await clock.advance(timing.retryPeriodMs * 1.2 + timing.renewDeadlineMs);
    assert.ok(a.isLeader(), 'leads again on its own');
    assert.deepEqual(events, ['a+', 'a-', 'a+']);
    await a.stop();
  });

  it('a standby takes over a lease its stalled leader no longer renews, within the lease duration', async () => {
    const clock = new FakeClock();
    const leases = fakeLeases();
    const ca = leases.client('a');
    const events: string[] = [];
    const a = elector(clock, ca, 'a', events);
    const b = elector(clock, leases.client('b'), 'b', events);
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(30_000);
    assert.equal(leases.holder(), 'a');
    assert.ok(!b.isLeader());

    ca.stalled = true;
    const stalledAt = clock.t;
    let took = 0;
    for (let i = 0; i < 100 && !b.isLeader(); i++) {
      await clock.advance(500);
      took = clock.t - stalledAt;
    }
    assert.ok(b.isLeader());
    assert.equal(leases.holder(), 'b');
    // The standby sees the last renewal at its next retry, waits out the lease from then (by its own
    // clock), and takes it at the retry after that.
    assert.ok(took <= timing.leaseDurationMs + 2 * timing.retryPeriodMs * 1.2 + 500, `took ${took}ms`);
    assert.ok(!a.isLeader(), 'the old leader stepped down');
    assert.deepEqual(events, ['a+', 'a-', 'b+'], 'the old leader stepped down before the standby took over');
    await b.stop();
    await a.stop();
  });

  it('a stopping leader keeps its lease while its controllers wind down, then releases it', async () => {
    const clock = new FakeClock();
    const leases = fakeLeases();
    const events: string[] = [];
    // Stopping what a leads takes longer than the lease (a loaded machine): 40 s of fake time.
    let finishStopping = () => {};
    const a = elector(clock, leases.client('a'), 'a', events, () => new Promise<void>((r) => (finishStopping = r)));
    const b = elector(clock, leases.client('b'), 'b', events);
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(5_000);
    const stopped = a.stop();
    await clock.advance(40_000);
    assert.equal(leases.holder(), 'a', 'still renewed while stopping, though the lease duration passed');
    assert.ok(!b.isLeader());
    finishStopping();
    await stopped;
    assert.equal(leases.holder(), '', 'released once stopped');
    await clock.advance(timing.retryPeriodMs * 1.2 + 1);
    assert.ok(b.isLeader());
    assert.equal(b.lastAcquisition(), 'released');
    assert.deepEqual(events, ['a+', 'a-', 'b+']);
    await b.stop();
  });

  it('a stop that hangs keeps the lease only for stopGraceMs', async () => {
    const clock = new FakeClock();
    const leases = fakeLeases();
    const events: string[] = [];
    const a = elector(clock, leases.client('a'), 'a', events, () => new Promise<void>(() => {}));
    const b = elector(clock, leases.client('b'), 'b', events);
    a.start();
    await clock.advance(0);
    b.start();
    await clock.advance(5_000);
    void a.stop();
    await clock.advance(a.stopGraceMs + timing.leaseDurationMs + 3 * timing.retryPeriodMs * 1.2);
    assert.ok(b.isLeader(), 'the standby took the lease once the grace and the lease ran out');
    assert.equal(b.lastAcquisition(), 'expired');
    await b.stop();
  });
});
