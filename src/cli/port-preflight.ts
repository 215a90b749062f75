// Before a server changes anything on disk: is its API port free? A short listen-and-close on the
// same address, so that `gifee up` on a port in use refuses with what to do and leaves a fresh data
// dir unwritten (the real listen later still reports a port taken in between).

import { createServer } from 'node:net';
import { UsageError } from './args.js';

/** Resolves when bindAddress:port can be listened on; a UsageError saying what to do otherwise. Port 0 is always free. */
export function ensurePortFree(bindAddress: string, port: number, command: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new UsageError(`${command}: port ${port} on ${bindAddress} is in use (another gifee or API server?); nothing was started or changed. Stop the other server, or pass --port N`));
      else if (e.code === 'EACCES') reject(new UsageError(`${command}: no permission to listen on port ${port}; run as root, or pass a --port above 1023`));
      else if (e.code === 'EADDRNOTAVAIL') reject(new UsageError(`${command}: --bind-address ${bindAddress} is not an address of this machine`));
      else reject(e);
    });
    probe.listen({ host: bindAddress, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
