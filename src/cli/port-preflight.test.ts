import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { ensurePortFree } from './port-preflight.js';
import { UsageError } from './args.js';

test('a free port passes (and is left free); port 0 always passes', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  await ensurePortFree('127.0.0.1', port, 'gifee up');
  await ensurePortFree('127.0.0.1', port, 'gifee up'); // the probe closed its socket
  await ensurePortFree('127.0.0.1', 0, 'gifee up');
});

test('a port in use is refused with what to do', async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  try {
    await assert.rejects(ensurePortFree('127.0.0.1', port, 'gifee up'), (e: Error) => e instanceof UsageError && e.message === `gifee up: port ${port} on 127.0.0.1 is in use (another gifee or API server?); nothing was started or changed. Stop the other server, or pass --port N`);
  } finally {
    s.close();
  }
});
