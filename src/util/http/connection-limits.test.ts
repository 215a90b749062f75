import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { limitConnections } from './connection-limits.js';

/** Connects from a given loopback address; resolves with whether the server kept the connection (it answers "hi"). */
function dial(port: number, localAddress: string): Promise<{ accepted: boolean; socket: net.Socket }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    socket.on('error', () => {});
    socket.once('data', () => resolve({ accepted: true, socket }));
    socket.once('close', () => resolve({ accepted: false, socket }));
  });
}

test('connections over the per-address cap and the total cap are refused; closing one makes room', async () => {
  const server = net.createServer((s) => s.write('hi'));
  const counter = limitConnections(server, { maxConnections: 5, maxConnectionsPerIP: 3 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const a = [await dial(port, '127.0.0.2'), await dial(port, '127.0.0.2'), await dial(port, '127.0.0.2')];
    assert.deepEqual(
      a.map((x) => x.accepted),
      [true, true, true],
    );
    assert.equal((await dial(port, '127.0.0.2')).accepted, false, 'the 4th from one address');
    const b = [await dial(port, '127.0.0.3'), await dial(port, '127.0.0.3')];
    assert.deepEqual(
      b.map((x) => x.accepted),
      [true, true],
    );
    assert.equal((await dial(port, '127.0.0.4')).accepted, false, 'the 6th in total');
    assert.equal(counter.refused, 2);
    a[0].socket.destroy();
    await new Promise((r) => a[0].socket.once('close', r));
    // The server sees the close a moment after the client: retry until it has.
    let again = await dial(port, '127.0.0.2');
    for (let i = 0; !again.accepted && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 20));
      again = await dial(port, '127.0.0.2');
    }
    assert.equal(again.accepted, true);
    for (const x of [...a, ...b, again]) x.socket.destroy();
  } finally {
    server.close();
  }
});
