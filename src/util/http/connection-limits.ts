// Caps on open connections, in total and per source address, so one client (or a flood of idle TLS
// handshakes) cannot use up the process's file descriptors and memory. A connection over a cap is
// closed at once, before its TLS handshake: answering it would cost the handshake the cap exists to
// avoid, and HTTP clients retry a refused connection.

import type { Server } from 'node:net';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections in total (0: no cap). */
  maxConnections: number;
  /** Open connections from one source address (0: no cap). */
  maxConnectionsPerIP: number;
}

export interface ConnectionCounter {
  /** Connections refused so far (for metrics and tests). */
  readonly refused: number;
  readonly open: number;
}

/**
 * Counts the server's TCP connections ('connection' fires for every accepted socket, before TLS on an
 * https server) and destroys those over a cap. Returns live counts.
 */
export function limitConnections(server: Server, limits: ConnectionLimits, onRefused?: (ip: string, why: string) => void): ConnectionCounter {
  const perIP = new Map<string, number>();
  let open = 0;
  let refused = 0;
  // Prepended: the socket is refused before the TLS layer starts a handshake on it.
  server.prependListener('connection', (socket: Socket) => {
    const ip = socket.remoteAddress ?? '';
    const mine = perIP.get(ip) ?? 0;
    const why = limits.maxConnections > 0 && open >= limits.maxConnections ? 'too many connections' : limits.maxConnectionsPerIP > 0 && mine >= limits.maxConnectionsPerIP ? 'too many connections from this address' : undefined;
    if (why) {
      refused++;
      onRefused?.(ip, why);
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    open++;
    perIP.set(ip, mine + 1);
    socket.once('close', () => {
      open--;
      const n = (perIP.get(ip) ?? 1) - 1;
      if (n <= 0) perIP.delete(ip);
      else perIP.set(ip, n);
    });
  });
  return {
    get refused() {
      return refused;
    },
    get open() {
      return open;
    },
  };
}
