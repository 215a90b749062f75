// Limits on clients, against a real `gifee server` with small limits from its flags: slow headers,
// slow bodies and idle keep-alive connections are cut off; a request not answered within
// --request-timeout (or its own ?timeout=) gets 504 Timeout; over the in-flight caps a request gets
// 429 with Retry-After; the N+1th connection from one address is refused; and a watch outlives the
// request timeout. Test bounds (the node:test timeouts) only keep a broken server from hanging the run.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { adminCredentials, closed, connectTls, rawRequest, readResponse, type RawOptions } from '../helpers/raw-http.js';

const BOUND = { timeout: 30_000 };

describe('request limits', () => {
  let cluster: Cluster;
  let port: number;
  let admin: RawOptions;

  before(async () => {
    cluster = await startCluster({
      extraArgs: ['--no-controllers', '--header-timeout', '500ms', '--body-timeout', '1500ms', '--idle-timeout', '500ms', '--request-timeout', '2s', '--max-requests-inflight', '2', '--max-mutating-requests-inflight', '1', '--max-connections-per-ip', '4'],
    });
    port = Number(new URL(cluster.url).port);
    admin = await adminCredentials(cluster.kubeconfig);
  });
  after(() => cluster?.stop());

  // Each test dials from its own loopback address, so the per-address cap counts only its connections.
  let nextSource = 10;
  const from = () => ({ ...admin, localAddress: `127.0.0.${nextSource++}` });

  test('a client that never finishes its headers is cut off', BOUND, async () => {
    const s = await connectTls(port, from());
    s.write('GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n'); // ...and nothing more
    await closed(s);
  });

  test('a client that sends nothing at all is cut off', BOUND, async () => {
    await closed(await connectTls(port, from()));
  });

  test('a body that trickles in slower than the body timeout is cut off with 408', BOUND, async () => {
    const s = await connectTls(port, from());
    const answer = readResponse(s);
    // The body timeout (1.5s) comes before the request timeout (2s).
    s.write('POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
    const trickle = setInterval(() => s.writable && s.write(' '), 100);
    const r = await answer;
    clearInterval(trickle);
    assert.equal(r.status, 408, r.raw);
  });

  test('an idle keep-alive connection is closed', BOUND, async () => {
    const s = await connectTls(port, from());
    const answer = readResponseKeepOpen(s);
    s.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await answer).status, 200);
    await closed(s);
  });

  test('a request not answered within the request timeout is a 504 Timeout Status', BOUND, async () => {
    const s = await connectTls(port, from());
    const answer = readResponse(s);
    // The handler waits for a body that does not come: the request's own deadline (1s) comes before the body timeout (1.5s).
    s.write('POST /api/v1/namespaces/default/configmaps?timeout=1s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"kind":');
    const r = await answer;
    assert.equal(r.status, 504, r.raw);
    const status = JSON.parse(r.body);
    assert.equal(status.kind, 'Status');
    assert.equal(status.reason, 'Timeout');
    assert.equal(status.code, 504);
    assert.match(status.message, /request did not complete within requested timeout/);
  });

  test('a bad ?timeout= is a 400', async () => {
    const r = await cluster.request('GET', '/api/v1/namespaces?timeout=soon');
    assert.equal(r.status, 400);
    assert.equal(r.json.reason, 'BadRequest');
  });

  test('over the in-flight caps: 429 TooManyRequests with Retry-After: 1; health checks still answer', BOUND, async () => {
    // One write in flight (its body stalls) fills the mutating cap of 1.
    const held = await connectTls(port, from());
    const heldAnswer = readResponse(held);
    held.write('POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{');
    // Wait until the server holds it: a second write gets 429 from then on (or the first has timed out: try again).
    let r = await rawRequest(port, 'DELETE /api/v1/namespaces/default/configmaps/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', from());
    for (let i = 0; r.status !== 429 && i < 100; i++) {
      await new Promise((res) => setTimeout(res, 10));
      r = await rawRequest(port, 'DELETE /api/v1/namespaces/default/configmaps/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', from());
    }
    assert.equal(r.status, 429, r.raw);
    assert.equal(r.headers['retry-after'], '1');
    const status = JSON.parse(r.body);
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.details.retryAfterSeconds, 1);
    // Reads have their own cap, and /readyz none.
    assert.equal((await rawRequest(port, 'GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', from())).status, 200);
    assert.equal((await rawRequest(port, 'GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', from())).status, 200);
    held.destroy();
    await heldAnswer;
  });

  test('the connection over the per-address cap is refused; the others are served', BOUND, async () => {
    const o = from();
    const open = [];
    for (let i = 0; i < 4; i++) open.push(await connectTls(port, o));
    await assert.rejects(connectTls(port, o));
    const s = open[0];
    const answer = readResponse(s);
    s.write('GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal((await answer).status, 200);
    for (const x of open) x.destroy();
  });

  test('a watch is not cut by the request timeout', BOUND, async () => {
    const s = await connectTls(port, from());
    let seen = '';
    s.on('data', (d) => (seen += d.toString()));
    s.write('GET /api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=60 HTTP/1.1\r\nHost: x\r\n\r\n');
    // Past the 2s request timeout (and the header, body and idle timeouts), the watch still delivers.
    await new Promise((r) => setTimeout(r, 3000));
    const created = await cluster.request('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-timeout' } });
    assert.equal(created.status, 201, created.body);
    while (!seen.includes('"after-timeout"')) {
      assert.ok(!s.destroyed, `the watch was closed: ${seen}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(seen, /^HTTP\/1\.1 200/);
    s.destroy();
  });

  test('the server is still healthy after all of that', async () => {
    assert.equal((await cluster.request('GET', '/readyz')).status, 200);
  });
});

/** One response on a connection that stays open (no Connection: close). */
function readResponseKeepOpen(s: import('node:tls').TLSSocket): Promise<{ status?: number }> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      if (m && buf.includes('\r\n\r\n')) {
        s.off('data', onData);
        resolve({ status: Number(m[1]) });
      }
    };
    s.on('data', onData);
  });
}
