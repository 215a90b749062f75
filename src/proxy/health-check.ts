// The load balancer health checks of Services with externalTrafficPolicy Local (kube-proxy's
// service health server): one HTTP listener per healthCheckNodePort, answering any GET with
// Kubernetes' JSON — 200 while this node has endpoints of the Service, 503 when it has none — so a
// load balancer sends clients only to nodes that keep their IP and can serve them.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../util/log.js';
import type { ServicePort } from './model.js';

export interface HealthCheckTarget {
  namespace: string;
  name: string;
  /** This node's endpoints of the Service (distinct addresses over its ports). */
  localEndpoints: number;
}

/** What each health check port answers, from the proxy model: pure, one entry per port. */
export function healthCheckTargets(ports: ServicePort[]): Map<number, HealthCheckTarget> {
  const out = new Map<number, HealthCheckTarget & { ips: Set<string> }>();
  for (const sp of ports) {
    if (!sp.healthCheckNodePort) continue;
    let t = out.get(sp.healthCheckNodePort);
    if (t && (t.namespace !== sp.namespace || t.name !== sp.name)) continue; // a port is one Service's (the allocator ensures it)
    if (!t) out.set(sp.healthCheckNodePort, (t = { namespace: sp.namespace, name: sp.name, localEndpoints: 0, ips: new Set() }));
    for (const e of sp.localEndpoints) t.ips.add(e.ip);
    t.localEndpoints = t.ips.size;
  }
  return new Map([...out].map(([port, { ips: _ips, ...t }]) => [port, t]));
}

/** Kubernetes' answer body (k8s.io/kubernetes/pkg/proxy/healthcheck). */
export function healthCheckBody(t: HealthCheckTarget): string {
  return JSON.stringify({ service: { namespace: t.namespace, name: t.name }, localEndpoints: t.localEndpoints, serviceProxyHealthy: true });
}

export interface HealthCheckServers {
  /** Open listeners for new ports, close those no longer wanted, update the answers of the rest. */
  update(targets: Map<number, HealthCheckTarget>): Promise<void>;
  /** The ports listening now (tests). */
  ports(): number[];
  close(): Promise<void>;
}

export function healthCheckServers(o: { bindAddress?: string; log: Logger }): HealthCheckServers {
  const servers = new Map<number, { server: http.Server; target: HealthCheckTarget }>();
  // A port that failed to open (taken by something else) is retried on each update, warned about once.
  const warned = new Set<number>();

  const open = (port: number, target: HealthCheckTarget) =>
    new Promise<void>((resolve) => {
      const entry = { server: undefined as unknown as http.Server, target };
      entry.server = http.createServer((req, res) => {
        const t = entry.target;
        res.writeHead(t.localEndpoints > 0 ? 200 : 503, { 'Content-Type': 'application/json', 'X-Content-Type-Options': 'nosniff', 'X-Load-Balancing-Endpoint-Weight': String(t.localEndpoints) });
        res.end(req.method === 'HEAD' ? undefined : healthCheckBody(t));
      });
      entry.server.headersTimeout = 5000;
      entry.server.requestTimeout = 5000;
      entry.server.keepAliveTimeout = 5000;
      entry.server.once('error', (e) => {
        if (!warned.has(port)) o.log.warn('could not open a health check node port', { port, service: `${target.namespace}/${target.name}`, err: e });
        warned.add(port);
        resolve();
      });
      entry.server.listen({ port, host: o.bindAddress ?? '0.0.0.0' }, () => {
        warned.delete(port);
        servers.set(port, entry);
        o.log.info('serving load balancer health checks', { port: (entry.server.address() as AddressInfo).port, service: `${target.namespace}/${target.name}` });
        resolve();
      });
    });

  const shut = async (port: number) => {
    const s = servers.get(port);
    if (!s) return;
    servers.delete(port);
    s.server.closeAllConnections();
    await new Promise((r) => s.server.close(r));
  };

  return {
    update: async (targets) => {
      for (const port of [...servers.keys()]) if (!targets.has(port)) await shut(port);
      for (const [port, t] of targets) {
        const s = servers.get(port);
        if (s) s.target = t;
        else await open(port, t);
      }
    },
    ports: () => [...servers.keys()],
    close: async () => {
      for (const port of [...servers.keys()]) await shut(port);
    },
  };
}
