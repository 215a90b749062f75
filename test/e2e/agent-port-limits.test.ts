// The node agent's HTTPS port (the kubelet's: logs, exec, stats), which every pod can reach, takes
// its limits from the command line: --kubelet-max-connections-per-ip refuses a client's connection
// past the cap at once, --kubelet-header-timeout closes a connection that sends no request.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let c: Cluster;
let port = 0;

before(async () => {
  c = await startCluster({ agent: true, extraArgs: ['--kubelet-max-connections-per-ip', '2', '--kubelet-header-timeout', '2s'] });
  await until('the node registered with its port', async () => {
    port = Number((await c.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.daemonEndpoints.kubeletEndpoint.Port}'], { allowFail: true })).stdout);
    return port > 0;
  });
});

after(async () => {
  await c?.stop();
});

/** A silent TCP connection from an address of its own on loopback (no other client counts against it). */
function connect(from: string) {
  const s = net.connect({ host: '127.0.0.1', port, localAddress: from });
  s.on('error', () => {});
  const closed = new Promise<void>((r) => s.once('close', () => r()));
  const opened = new Promise<void>((r, j) => {
    s.once('connect', () => r());
    s.once('close', () => j(new Error('closed before connecting')));
  });
  return { s, closed, opened, isClosed: () => s.destroyed };
}

test('a third connection from one address is refused while the first two stay open', async () => {
  const a = connect('127.0.0.9');
  const b = connect('127.0.0.9');
  await Promise.all([a.opened, b.opened]);
  // The server accepts both; let it count them before the third arrives.
  await new Promise((r) => setTimeout(r, 200));
  const third = connect('127.0.0.9');
  await third.closed;
  assert.equal(a.isClosed() || b.isClosed(), false, 'the first two are still open when the third is refused');
  // Another address has its own allowance.
  const other = connect('127.0.0.10');
  await other.opened;
  other.s.destroy();
  a.s.destroy();
  b.s.destroy();
});

test('a connection that sends no request is closed after the header timeout (2s here; 30s by default)', { timeout: 20_000 }, async () => {
  const a = connect('127.0.0.11');
  await a.opened;
  await a.closed;
});
