// Relaying an upgraded connection (exec, attach, port-forward, a proxied watch or WebSocket): once
// the upstream has the request, bytes flow both ways until either side closes or fails, and then
// both are torn down so neither socket outlives the other.

import type { Duplex } from 'node:stream';

export function relayUpgraded(down: Duplex, up: Duplex): void {
  const done = () => {
    down.destroy();
    up.destroy();
  };
  down.on('error', done);
  up.on('error', done);
  down.once('close', done);
  up.once('close', done);
  down.pipe(up);
  up.pipe(down);
}
