import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRotation, type LeafValidity, type RotationPolicy } from './rotation-plan.js';

const DAY = 24 * 3600 * 1000;
const YEAR = 365 * DAY;
const NOW = Date.UTC(2026, 0, 1);
const year: RotationPolicy = { validityMs: YEAR };
const short: RotationPolicy = { validityMs: 90_000, minCheckIntervalMs: 1000 };
// Issued a minute before `at`, valid for `ms` from then, as pki.ts does.
const issued = (name: string, at: number, ms: number): LeafValidity => ({ name, notBefore: at - 60_000, notAfter: at + ms });

const cases: { name: string; certs: LeafValidity[]; policy: RotationPolicy; renew: string[]; nextCheckAt: number }[] = [
  { name: 'nothing to watch: check again in an hour', certs: [], policy: year, renew: [], nextCheckAt: NOW + 3600_000 },
  { name: 'a fresh year-long certificate: not due, checked hourly', certs: [issued('server', NOW, YEAR)], policy: year, renew: [], nextCheckAt: NOW + 3600_000 },
  { name: 'a year-long certificate at 80% of its life: renewed', certs: [issued('server', NOW - 0.8 * YEAR, YEAR)], policy: year, renew: ['server'], nextCheckAt: NOW + 3600_000 },
  {
    name: 'a year-long certificate 20 minutes before 80%: checked then',
    certs: [{ name: 'server', notBefore: NOW - 0.8 * YEAR, notAfter: NOW + 0.2 * YEAR + 25 * 60_000 }],
    policy: year,
    renew: [],
    nextCheckAt: NOW - 0.8 * YEAR + 0.8 * (YEAR + 25 * 60_000),
  },
  { name: 'expired: renewed', certs: [issued('agent-n1', NOW - 2 * YEAR, YEAR)], policy: year, renew: ['agent-n1'], nextCheckAt: NOW + 3600_000 },
  { name: 'a year-long certificate when leaves last 90 s: renewed at once', certs: [issued('server', NOW, YEAR)], policy: short, renew: ['server'], nextCheckAt: NOW + 3600_000 },
  { name: 'a 90 s certificate issued now: checked at 80% of its 150 s (with the backdated minute)', certs: [issued('server', NOW, 90_000)], policy: short, renew: [], nextCheckAt: NOW - 60_000 + 0.8 * 150_000 },
  {
    name: 'several: the due ones renewed, the next check at the earliest of the others',
    certs: [issued('a', NOW - 200_000, 90_000), issued('b', NOW, 90_000), issued('c', NOW - 30_000, 90_000)],
    policy: short,
    renew: ['a'],
    nextCheckAt: NOW - 30_000 - 60_000 + 0.8 * 150_000,
  },
  { name: 'notBefore an hour ahead (the clock went back): renewed', certs: [issued('server', NOW + 3600_000, YEAR - 2 * 3600_000)], policy: year, renew: ['server'], nextCheckAt: NOW + 3600_000 },
  { name: 'notAfter before notBefore (nonsense dates): renewed', certs: [{ name: 'x', notBefore: NOW, notAfter: NOW - 1 }], policy: year, renew: ['x'], nextCheckAt: NOW + 3600_000 },
  { name: 'unparsable dates (NaN): renewed', certs: [{ name: 'x', notBefore: Number.NaN, notAfter: Number.NaN }], policy: year, renew: ['x'], nextCheckAt: NOW + 3600_000 },
  { name: 'a due moment a millisecond away: waits at least the minimum interval', certs: [{ name: 'x', notBefore: NOW - 80_000 + 1, notAfter: NOW + 20_000 + 1 }], policy: { validityMs: 100_000, minCheckIntervalMs: 1000 }, renew: [], nextCheckAt: NOW + 1000 },
  { name: 'a custom fraction and maximum interval', certs: [issued('x', NOW, 10 * DAY)], policy: { validityMs: 10 * DAY, renewAtFraction: 0.5, maxCheckIntervalMs: 60_000 }, renew: [], nextCheckAt: NOW + 60_000 },
];

for (const c of cases) {
  test(`planRotation: ${c.name}`, () => {
    const plan = planRotation(c.certs, c.policy, NOW);
    assert.deepEqual(plan.renew, c.renew);
    assert.equal(plan.nextCheckAt, c.nextCheckAt);
  });
}
