// The failover rule as a table: which failures mark a server bad and which requests go on to the
// next server (writes only when they cannot have reached the one that failed).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { failoverOf, gatewayFailure, reachedServer } from './failover.js';

const err = (reached: boolean) => reachedServer(Object.assign(new Error('x'), { code: 'ECONNRESET' }), reached);

describe('failoverOf', () => {
  const aborted = AbortSignal.abort();
  const cases: { name: string; e: unknown; method: string; signal?: AbortSignal; markBad: boolean; retry: boolean }[] = [
    { name: 'refused before connecting: a GET goes on', e: err(false), method: 'GET', markBad: true, retry: true },
    { name: 'refused before connecting: a POST goes on too (never sent)', e: err(false), method: 'POST', markBad: true, retry: true },
    { name: 'refused before connecting: a PATCH goes on too', e: err(false), method: 'PATCH', markBad: true, retry: true },
    { name: 'reset after sending: a GET goes on', e: err(true), method: 'GET', markBad: true, retry: true },
    { name: 'reset after sending: a POST is not sent again', e: err(true), method: 'POST', markBad: true, retry: false },
    { name: 'reset after sending: a PUT is not sent again', e: err(true), method: 'PUT', markBad: true, retry: false },
    { name: 'reset after sending: a DELETE is not sent again', e: err(true), method: 'DELETE', markBad: true, retry: false },
    { name: 'reset after sending: a PATCH is not sent again', e: err(true), method: 'patch', markBad: true, retry: false },
    { name: "the request's own deadline passed: bad server, no time to retry", e: err(false), method: 'GET', signal: aborted, markBad: true, retry: false },
    { name: 'a gateway failure answered to a GET: next server', e: undefined, method: 'GET', markBad: true, retry: true },
    { name: 'a gateway failure answered to a POST: not sent again', e: undefined, method: 'POST', markBad: true, retry: false },
    { name: "the client's own error (never tagged): the server is fine", e: new Error('invalid header'), method: 'GET', markBad: false, retry: false },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(failoverOf(c.e, c.method, c.signal), { markBad: c.markBad, retry: c.retry }));

  it('a failure once tagged as reached stays reached', () => {
    const e = err(true);
    reachedServer(e, false);
    assert.equal(failoverOf(e, 'POST').retry, false);
  });
});

describe('gatewayFailure', () => {
  for (const [code, want] of [
    [502, true],
    [504, true],
    [503, false],
    [500, false],
    [200, false],
    [undefined, false],
  ] as const)
    it(`${code}: ${want}`, () => assert.equal(gatewayFailure(code), want));
});
