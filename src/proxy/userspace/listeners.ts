// The userspace proxy's data path: one TCP listener per Service port, forwarding each connection
// to the next ready endpoint (round robin). Without root there is no DNAT, so a Service is
// reached at a loopback address of its own, 127.<b>.<c>.<d> for cluster IP a.b.c.d (Linux routes
// all of 127.0.0.0/8 to lo), on the Service port; a NodePort listens on 127.0.0.1:<nodePort>; an
// external address this host has (externalIPs, a LoadBalancer's ingress IPs) on <ip>:<port>.
// plan.ts decides the addresses and, with the traffic policies, each one's endpoints.

import net from 'node:net';
import type { Logger } from '../../util/log.js';
import type { Endpoint, ServicePort } from '../model.js';
import { type PlannedListener, planListeners } from './plan.js';

export { loopbackAddressFor } from './plan.js';

interface Listener {
  server: net.Server;
  id: string;
  endpoints: Endpoint[];
  next: number;
  sockets: Set<net.Socket>;
}

export class UserspaceListeners {
  private listeners = new Map<string, Listener>();

  constructor(
    private log: Logger,
    private connectTimeoutMs = 3000,
  ) {}

  /** Addresses currently served ("host:port" → service port id). */
  addresses(): Map<string, string> {
    return new Map([...this.listeners].map(([a, l]) => [a, l.id]));
  }

  /** Opens, updates and closes listeners to match the service ports (TCP only; external addresses among localAddresses only). */
  update(ports: ServicePort[], localAddresses?: ReadonlySet<string>) {
    const want = planListeners(ports, localAddresses);
    for (const [addr, l] of this.listeners) if (!want.has(addr)) this.closeListener(addr, l);
    for (const [addr, sp] of want) {
      const l = this.listeners.get(addr);
      if (l) {
        if (!sameEndpoints(l.endpoints, sp.endpoints)) l.next = 0;
        l.endpoints = sp.endpoints;
        l.id = sp.id;
      } else this.open(addr, sp);
    }
  }

  close() {
    for (const [addr, l] of this.listeners) this.closeListener(addr, l);
  }

  private open(addr: string, sp: PlannedListener) {
    const i = addr.lastIndexOf(':');
    const [host, port] = [addr.slice(0, i), Number(addr.slice(i + 1))];
    const l: Listener = { server: net.createServer((s) => this.forward(l, s)), id: sp.id, endpoints: sp.endpoints, next: 0, sockets: new Set() };
    l.server.on('error', (e) => {
      this.log.warn('userspace proxy cannot listen for a service', { service: l.id, address: addr, err: e });
      if (this.listeners.get(addr) === l) this.listeners.delete(addr);
    });
    l.server.listen(port, host);
    this.listeners.set(addr, l);
  }

  private closeListener(addr: string, l: Listener) {
    this.listeners.delete(addr);
    l.server.close();
    for (const s of l.sockets) s.destroy();
  }

  private forward(l: Listener, client: net.Socket) {
    l.sockets.add(client);
    client.on('close', () => l.sockets.delete(client));
    client.on('error', () => undefined);
    client.pause();
    // Try each endpoint once at most, starting with the next in turn.
    const tries = l.endpoints.length;
    const attempt = (n: number) => {
      // No endpoint (left): refused. The endpoints may have changed, even to none, since the first try.
      if (n >= tries || client.destroyed || l.endpoints.length === 0) return void client.resetAndDestroy();
      const ep = l.endpoints[l.next++ % l.endpoints.length];
      const upstream = net.connect({ host: ep.ip, port: ep.port, timeout: this.connectTimeoutMs });
      const failed = (e?: Error) => {
        upstream.destroy();
        this.log.debug('userspace proxy endpoint failed; trying the next', { service: l.id, endpoint: `${ep.ip}:${ep.port}`, err: e });
        attempt(n + 1);
      };
      upstream.once('error', failed);
      upstream.once('timeout', failed);
      upstream.once('connect', () => {
        upstream.removeListener('error', failed);
        upstream.removeListener('timeout', failed);
        // The client reset its connection while we were dialling: nobody is left to pipe to.
        if (client.destroyed) return void upstream.destroy();
        upstream.setTimeout(0);
        l.sockets.add(upstream);
        // Ends pass through the pipes (half-close works); errors tear down both sides.
        upstream.on('close', () => l.sockets.delete(upstream));
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }
}

function sameEndpoints(a: Endpoint[], b: Endpoint[]) {
  return a.length === b.length && a.every((e, i) => e.ip === b[i].ip && e.port === b[i].port);
}
