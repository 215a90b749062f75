// What a service proxy needs to know, computed from the API objects: one entry per Service port
// (virtual IP, port, protocol, node port, external addresses, traffic policies, affinity) with the
// endpoints traffic may go to, and which of them are on this node. Pure, so both proxies (nftables
// and userspace) and their tests share it.

import type { EndpointPort, EndpointSliceEndpoint, ServicePort as ApiServicePort, ServiceSpec, ServiceStatus } from '../api/core/index.js';
import type { KObject } from '../api/kind.js';
import { isSimulatedPodIP } from '../api/simulated-nodes.js';
import { isSpecialIPv4 } from '../api/load-balancer.js';
import { LABEL_SERVICE_NAME } from '../api/well-known.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Endpoint {
  ip: string;
  port: number;
  nodeName?: string;
}

export interface ServicePort {
  /** "namespace/name/port-name-or-number/protocol": unique per service port, used in names and logs. */
  id: string;
  namespace: string;
  name: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  nodePort?: number;
  /** Seconds a client stays on its endpoint (sessionAffinity ClientIP), or undefined for none. */
  affinityTimeoutSeconds?: number;
  /** Where traffic goes: ready endpoints, else serving-and-terminating ones (as kube-proxy does). */
  endpoints: Endpoint[];
  /** The endpoints on this node (the `nodeName` given to buildServicePorts), for the Local traffic policies. */
  localEndpoints: Endpoint[];
  /** Addresses outside the cluster that reach this port too: spec.externalIPs and status.loadBalancer.ingress IPs. */
  externalIPs: string[];
  /** externalTrafficPolicy Local: traffic from outside (node port, external IPs) only to this node's endpoints, client IP kept. */
  externalLocal: boolean;
  /** internalTrafficPolicy Local: cluster IP traffic only to this node's endpoints. */
  internalLocal: boolean;
  /** The node port the proxy answers load balancer health checks on (type LoadBalancer, externalTrafficPolicy Local). */
  healthCheckNodePort?: number;
}

/** The label an EndpointSlice carries to name its Service. */
export const serviceNameLabel = LABEL_SERVICE_NAME;

const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
export const isIPv4 = (s: string | undefined): s is string => !!s && ipv4.test(s) && s.split('.').every((o) => Number(o) <= 255);

type SvcPort = Pick<ApiServicePort, 'name' | 'port' | 'nodePort'> & { protocol?: Protocol };
type SvcSpec = Pick<ServiceSpec, 'type' | 'clusterIP' | 'sessionAffinity' | 'sessionAffinityConfig' | 'externalIPs' | 'externalTrafficPolicy' | 'internalTrafficPolicy' | 'healthCheckNodePort'> & { ports?: SvcPort[] };
type SvcStatus = ServiceStatus;
type SliceEndpoint = Pick<EndpointSliceEndpoint, 'addresses' | 'conditions' | 'nodeName'>;
type SlicePort = Pick<EndpointPort, 'name' | 'port'> & { protocol?: Protocol };
type Slice = KObject & { addressType?: string; endpoints?: SliceEndpoint[]; ports?: SlicePort[] };

/** Whether the proxy programs this Service at all: ExternalName and headless ones have no virtual IP. */
export function hasVirtualIP(svc: KObject): boolean {
  const spec = (svc.spec ?? {}) as SvcSpec;
  return spec.type !== 'ExternalName' && isIPv4(spec.clusterIP);
}

/**
 * The addresses from outside the cluster a Service answers on: its spec.externalIPs and, for a
 * LoadBalancer, the IPs in status.loadBalancer.ingress. IPv4 only, not special, no duplicates, at most 64 (a
 * hostile spec must not blow up the ruleset).
 */
export function externalIPsOf(svc: KObject): string[] {
  const spec = (svc.spec ?? {}) as SvcSpec;
  const ips = new Set<string>();
  // Special addresses (loopback...) never: the API server refuses them as externalIPs, and a status
  // written by hand must not capture the node's own loopback ports either.
  for (const ip of spec.externalIPs ?? []) if (isIPv4(ip) && !isSpecialIPv4(ip)) ips.add(ip);
  if (spec.type === 'LoadBalancer') for (const i of (svc.status as SvcStatus | undefined)?.loadBalancer?.ingress ?? []) if (isIPv4(i.ip) && !isSpecialIPv4(i.ip)) ips.add(i.ip);
  return [...ips].slice(0, 64);
}

/**
 * Every proxied Service port with its endpoints. Slices are matched to a Service by the
 * kubernetes.io/service-name label in the same namespace, and to a port by name and protocol.
 * `nodeName` is the node this proxy runs on: its endpoints are the local ones.
 */
export function buildServicePorts(services: KObject[], slices: KObject[], nodeName?: string): ServicePort[] {
  const slicesBySvc = new Map<string, Slice[]>();
  for (const s of slices as Slice[]) {
    const svc = s.metadata?.labels?.[serviceNameLabel];
    if (!svc || (s.addressType ?? 'IPv4') !== 'IPv4') continue;
    const k = `${s.metadata?.namespace}/${svc}`;
    let list = slicesBySvc.get(k);
    if (!list) slicesBySvc.set(k, (list = []));
    list.push(s);
  }
  const out: ServicePort[] = [];
  for (const svc of services) {
    if (!hasVirtualIP(svc)) continue;
    const spec = svc.spec as SvcSpec;
    const namespace = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    const svcSlices = slicesBySvc.get(`${namespace}/${name}`) ?? [];
    const affinity = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined;
    const externalIPs = externalIPsOf(svc);
    const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || externalIPs.length > 0;
    const externalLocal = external && spec.externalTrafficPolicy === 'Local';
    const healthCheckNodePort = spec.type === 'LoadBalancer' && externalLocal && spec.healthCheckNodePort ? spec.healthCheckNodePort : undefined;
    for (const p of spec.ports ?? []) {
      if (!p.port) continue;
      const protocol = p.protocol ?? 'TCP';
      const portName = p.name ?? '';
      const endpoints = endpointsFor(svcSlices, portName, protocol);
      out.push({
        id: `${namespace}/${name}/${portName || p.port}/${protocol.toLowerCase()}`,
        namespace,
        name,
        portName,
        protocol,
        clusterIP: spec.clusterIP!,
        port: p.port,
        nodePort: (spec.type === 'NodePort' || spec.type === 'LoadBalancer') && p.nodePort ? p.nodePort : undefined,
        affinityTimeoutSeconds: affinity,
        endpoints,
        localEndpoints: nodeName ? endpoints.filter((e) => e.nodeName === nodeName) : [],
        externalIPs,
        externalLocal,
        internalLocal: spec.internalTrafficPolicy === 'Local',
        ...(healthCheckNodePort ? { healthCheckNodePort } : {}),
      });
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The endpoints for one port: ready ones; if none is ready, the serving ones that are terminating,
 * so a rolling update's last pods keep answering while they drain (kube-proxy's fallback).
 * An unset ready or serving condition means ready, per the EndpointSlice API. Pods of simulated
 * nodes are never endpoints: their IPs (src/api/simulated-nodes.ts) lead nowhere, maybe off this
 * machine; a Service with only those has no endpoints and refuses connections.
 */
export function endpointsFor(slices: Slice[], portName: string, protocol: Protocol): Endpoint[] {
  const ready = new Map<string, Endpoint>();
  const terminating = new Map<string, Endpoint>();
  for (const s of slices) {
    const sp = (s.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!sp?.port) continue;
    for (const e of s.endpoints ?? []) {
      const ip = e.addresses?.[0];
      if (!isIPv4(ip) || isSimulatedPodIP(ip)) continue;
      const c = e.conditions ?? {};
      const isReady = c.ready ?? true;
      const serving = c.serving ?? isReady;
      const ep = { ip, port: sp.port, ...(e.nodeName ? { nodeName: e.nodeName } : {}) };
      const key = `${ip}:${sp.port}`;
      if (isReady && !c.terminating) ready.set(key, ep);
      else if (serving && c.terminating) terminating.set(key, ep);
    }
  }
  const chosen = ready.size ? ready : terminating;
  return [...chosen.values()].sort((a, b) => (a.ip === b.ip ? a.port - b.port : compareIPs(a.ip, b.ip)));
}

function compareIPs(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}
