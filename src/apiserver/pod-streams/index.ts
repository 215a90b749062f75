// Pod streams in the API server: pods/log, pods/exec, pods/attach and pods/portforward, proxied to the
// agent of the pod's node (handlers installed by served-subresources.ts); the server hands upgrade requests
// (WebSocket, SPDY) to its usual request handling through podStreamUpgrades().

import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ApiState } from '../context.js';
import { setKubeletClient, type KubeletClientCert } from './kubelet-client.js';

export type { KubeletClientCert };

export interface StreamUpgrades {
  /** A response bound to an upgrade request's socket, so the usual handler (auth, routing, Status errors) can serve it. */
  response(req: IncomingMessage, socket: Duplex, head: Buffer): ServerResponse;
  /** Ends every relayed stream (server shutdown). */
  close(): void;
}

export function podStreamUpgrades(state: ApiState, kubeletClient: KubeletClientCert | undefined): StreamUpgrades {
  const client = setKubeletClient(state, kubeletClient);
  const sockets = new Set<Duplex>();
  return {
    response(req, socket, head) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      if (head.length) socket.unshift(head);
      const res = new ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      // An answer without upgrade (an error Status, or a plain request that carried Upgrade) ends the connection.
      res.once('finish', () => socket.end());
      return res;
    },
    close() {
      for (const s of sockets) s.destroy();
      client.close();
    },
  };
}
