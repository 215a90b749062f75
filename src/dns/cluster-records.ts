// The cluster's names, kept in memory from informers (Services, EndpointSlices and, for verified pod
// records and pod PTRs, Pods): every DNS answer is computed from these caches, never from an API
// request per query. Indexes that queries need in O(1) (endpoints per service, names per IP) are
// updated on each informer event.

import { isSimulatedPodIP } from '../api/simulated-nodes.js';
import type { Pod as CorePod, Service as CoreService, ServicePort as CoreServicePort, EndpointSlice, Namespaced, ServiceSpec } from '../api/core/index.js';
import type { KObject } from '../api/kind.js';
import { LABEL_SERVICE_NAME } from '../api/well-known.js';
import type { InformerLike } from '../client/informer.js';
import { informerScope, type InformerFactory, type InformerScope } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import type { RestClient } from '../client/rest.js';
import type { Logger } from '../util/log.js';
import { dashIP } from './names.js';

/** A service port as DNS answers it: with its number (validation requires one). */
export type ServicePort = Pick<CoreServicePort, 'name' | 'protocol'> & { port: number };
/** A Service as the API server serves it: named, in a namespace, with a spec. */
export interface Service extends Namespaced<CoreService> {
  spec: Omit<ServiceSpec, 'ports'> & { ports?: ServicePort[] };
}

/** One address of a service's endpoints, with the slice's ports. */
export interface Endpoint {
  ip: string;
  hostname?: string;
  ready: boolean;
  ports: ServicePort[];
}

type Slice = Namespaced<EndpointSlice>;
type Pod = Namespaced<CorePod>;

/** IP -> the names it answers to in PTR, each contributed by one object (so it can be withdrawn). */
class NamesByIP {
  private byIP = new Map<string, Map<string, string>>();
  private byOwner = new Map<string, string[]>();
  set(owner: string, entries: [ip: string, name: string][]) {
    this.clear(owner);
    if (entries.length === 0) return;
    this.byOwner.set(
      owner,
      entries.map(([ip]) => ip),
    );
    for (const [ip, name] of entries) {
      let m = this.byIP.get(ip);
      if (!m) this.byIP.set(ip, (m = new Map()));
      m.set(owner, name);
    }
  }
  clear(owner: string) {
    for (const ip of this.byOwner.get(owner) ?? []) {
      const m = this.byIP.get(ip);
      m?.delete(owner);
      if (m?.size === 0) this.byIP.delete(ip);
    }
    this.byOwner.delete(owner);
  }
  /** Service names first, then endpoint names, then pod names. */
  get(ip: string): string[] {
    const rank = (owner: string) => (owner.startsWith('svc:') ? 0 : owner.startsWith('eps:') ? 1 : 2);
    const entries = [...(this.byIP.get(ip) ?? new Map<string, string>())].sort((a, b) => rank(a[0]) - rank(b[0]));
    return [...new Set(entries.map(([, name]) => name))];
  }
}

export interface ClusterRecordsOptions {
  client: RestClient;
  /** The process's shared informers; without them this component keeps its own. */
  informers?: InformerFactory;
  zone: string;
  log: Logger;
  /**
   * Watch pods so that <a-b-c-d>.<ns>.pod.<zone> answers only for pods that exist (CoreDNS's
   * "pods verified") and pod IPs get PTR records. Without it pod names answer for any well-formed
   * dashed IP ("pods insecure") and only endpoint IPs have PTRs; that saves every node a watch on
   * all pods of the cluster.
   */
  watchPods: boolean;
}

export class ClusterRecords {
  private informerScope: InformerScope;
  private services: InformerLike;
  private slices: InformerLike;
  private pods?: InformerLike;
  /** "ns/service" -> slice name -> slice. */
  private slicesByService = new Map<string, Map<string, Slice>>();
  /** "ns/service" -> merged endpoints, computed on first use after a change. */
  private endpointCache = new Map<string, Endpoint[]>();
  private ptr = new NamesByIP();
  /** "ns" -> number of services, so "<ns>.svc.<zone>" exists only while it holds services. */
  private namespaces = new Map<string, number>();
  /** ip -> namespaces of pods with that IP. */
  private podIPs = new NamesByIP();
  /** Bumped on every change: the SOA serial. */
  serial = Math.floor(Date.now() / 1000);

  constructor(private o: ClusterRecordsOptions) {
    this.informerScope = informerScope(o, 'dns');
    this.services = this.informerScope.informer(R.services);
    this.slices = this.informerScope.informer(R.endpointslices);
    this.services.addHandlers({
      onAdd: (s) => this.serviceChanged(s, 1),
      onUpdate: (_old, s) => this.serviceChanged(s, 0),
      onDelete: (s) => this.serviceChanged(s, -1),
    });
    this.slices.addHandlers({
      onAdd: (s) => this.sliceChanged(s as Slice, false),
      onUpdate: (old, s) => {
        // A slice relabelled to another service leaves the old one.
        if (serviceKeyOfSlice(old as Slice) !== serviceKeyOfSlice(s as Slice)) this.sliceChanged(old as Slice, true);
        this.sliceChanged(s as Slice, false);
      },
      onDelete: (s) => this.sliceChanged(s as Slice, true),
    });
    if (o.watchPods) {
      this.pods = this.informerScope.informer(R.pods);
      this.pods.addHandlers({
        onAdd: (p) => this.podChanged(p as Pod, false),
        onUpdate: (_old, p) => this.podChanged(p as Pod, false),
        onDelete: (p) => this.podChanged(p as Pod, true),
      });
    }
  }

  async start() {
    this.informerScope.start();
    await this.informerScope.waitForCacheSync();
  }

  stop() {
    this.informerScope.close();
  }

  get verifiesPods() {
    return !!this.pods;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.get(`${namespace}/${name}`) as Service | undefined;
  }

  hasNamespace(namespace: string) {
    return (this.namespaces.get(namespace) ?? 0) > 0;
  }

  /** The service's IPv4 endpoints from all its slices, one entry per address. */
  endpoints(namespace: string, service: string): Endpoint[] {
    const key = `${namespace}/${service}`;
    let eps = this.endpointCache.get(key);
    if (eps) return eps;
    const seen = new Map<string, Endpoint>();
    for (const slice of this.slicesByService.get(key)?.values() ?? []) {
      if (slice.addressType && slice.addressType !== 'IPv4') continue;
      const ports = (slice.ports ?? []).filter((p) => p.port).map((p) => ({ name: p.name, port: p.port!, protocol: p.protocol ?? 'TCP' }));
      for (const e of slice.endpoints ?? []) {
        // Per the EndpointSlice API, an unset ready condition means ready.
        const ready = e.conditions?.ready !== false;
        for (const ip of e.addresses ?? []) {
          // Pods of simulated nodes: their IPs lead nowhere (maybe off this machine); a pod must never be sent there.
          if (isSimulatedPodIP(ip)) continue;
          const prev = seen.get(ip);
          // The same address in two slices (mid-move between slices): the ready one wins.
          if (!prev || (!prev.ready && ready)) seen.set(ip, { ip, hostname: e.hostname, ready, ports });
        }
      }
    }
    eps = [...seen.values()];
    this.endpointCache.set(key, eps);
    return eps;
  }

  /** The names (FQDN, no trailing dot) an IP answers to in PTR. */
  namesOf(ip: string): string[] {
    return this.ptr.get(ip);
  }

  /** Whether a pod with this IP exists in the namespace (only when pods are watched). */
  podExists(namespace: string, ip: string): boolean {
    return this.podIPs.get(ip).includes(namespace);
  }

  private serviceChanged(obj: KObject, delta: number) {
    const s = obj as Service;
    const { namespace, name } = s.metadata;
    this.serial++;
    if (delta) this.namespaces.set(namespace, (this.namespaces.get(namespace) ?? 0) + delta);
    if (this.namespaces.get(namespace) === 0) this.namespaces.delete(namespace);
    const owner = `svc:${namespace}/${name}`;
    const fqdn = `${name}.${namespace}.svc.${this.o.zone}`;
    const ips = delta < 0 ? [] : serviceIPs(s);
    this.ptr.set(
      owner,
      ips.map((ip) => [ip, fqdn]),
    );
    // Endpoint PTRs depend on whether the service is headless; recompute them. (A deleted service
    // may still be in the cache while its delete handler runs during a relist.)
    if (delta < 0) this.ptr.clear(`eps:${namespace}/${name}`);
    else this.indexEndpointPTRs(namespace, name);
  }

  private sliceChanged(slice: Slice, deleted: boolean) {
    const key = serviceKeyOfSlice(slice);
    if (!key) return;
    this.serial++;
    let m = this.slicesByService.get(key);
    if (deleted) {
      m?.delete(slice.metadata.name);
      if (m?.size === 0) this.slicesByService.delete(key);
    } else {
      if (!m) this.slicesByService.set(key, (m = new Map()));
      m.set(slice.metadata.name, slice);
    }
    this.endpointCache.delete(key);
    const [namespace, service] = key.split('/');
    this.indexEndpointPTRs(namespace, service);
  }

  /**
   * Endpoint IPs of a headless service answer PTR with their endpoint name
   * (<hostname or a-b-c-d>.<svc>.<ns>.svc.<zone>), as the DNS spec asks.
   */
  private indexEndpointPTRs(namespace: string, service: string) {
    const owner = `eps:${namespace}/${service}`;
    const svc = this.service(namespace, service);
    if (svc?.spec.clusterIP !== 'None') return this.ptr.clear(owner);
    const entries: [string, string][] = this.endpoints(namespace, service)
      .filter((e) => e.ready || svc.spec.publishNotReadyAddresses)
      .map((e) => [e.ip, `${e.hostname ?? dashIP(e.ip)}.${service}.${namespace}.svc.${this.o.zone}`]);
    this.ptr.set(owner, entries);
  }

  private podChanged(p: Pod, deleted: boolean) {
    const owner = `pod:${p.metadata.namespace}/${p.metadata.name}`;
    const ips = deleted ? [] : [...new Set([p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)].filter((ip): ip is string => !!ip && ip.includes('.')))];
    this.podIPs.set(
      owner,
      ips.map((ip) => [ip, p.metadata.namespace]),
    );
    this.ptr.set(
      owner,
      ips.map((ip) => [ip, `${dashIP(ip)}.${p.metadata.namespace}.pod.${this.o.zone}`]),
    );
  }
}

function serviceKeyOfSlice(s: Slice): string | undefined {
  const svc = s.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? `${s.metadata.namespace}/${svc}` : undefined;
}

/** The service's IPv4 virtual IPs (none for headless and ExternalName services). */
export function serviceIPs(s: Service): string[] {
  if (s.spec.type === 'ExternalName') return [];
  const ips = s.spec.clusterIPs?.length ? s.spec.clusterIPs : s.spec.clusterIP ? [s.spec.clusterIP] : [];
  return ips.filter((ip) => ip !== 'None' && ip.includes('.'));
}
