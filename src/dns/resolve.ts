// Answers one question from the cluster records, per the Kubernetes DNS spec: A for services
// (ClusterIP, or a headless service's ready endpoints), endpoint hostnames, SRV for named ports,
// CNAME for ExternalName, PTR for service and pod IPs, pod A records, NXDOMAIN with the zone's SOA for
// names that do not exist. Anything outside the zone (and PTRs for IPs the cluster does not own) is
// left to the upstream resolvers.

import type { Answer, Question, SrvAnswer } from 'dns-packet';
import { serviceIPs, type ClusterRecords, type Endpoint, type Service, type ServicePort } from './cluster-records.js';
import { dashIP, parseName, type ParsedName } from './names.js';

/** TTLs: short for records, so changes show quickly; the SOA's (and negative caching's) per the lead's design. */
export const RECORD_TTL = 5;
export const SOA_TTL = 30;
/** The version of the Kubernetes DNS schema this server implements (TXT dns-version.<zone>). */
export const SCHEMA_VERSION = '1.1.0';

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';
export type Resolution =
  | { kind: 'answer'; rcode: Rcode; answers: Answer[]; authorities: Answer[]; additionals: Answer[] }
  | { kind: 'forward' }
  /** An ExternalName alias: the CNAME, and the target the server resolves for the same type. */
  | { kind: 'alias'; cname: Answer; target: string };

export class Resolver {
  constructor(
    private records: ClusterRecords,
    private zone: string,
  ) {}

  resolve(q: Question): Resolution {
    const parsed = parseName(q.name, this.zone);
    if (parsed.kind === 'external') return { kind: 'forward' };
    if (parsed.kind === 'reverse') return this.reverse(q, parsed.ip);
    if ((q.class ?? 'IN') !== 'IN') return this.result('REFUSED', []);
    return this.inZone(q, parsed);
  }

  private inZone(q: Question, p: Exclude<ParsedName, { kind: 'external' | 'reverse' }>): Resolution {
    switch (p.kind) {
      case 'apex':
        return q.type === 'SOA' ? this.result('NOERROR', [this.soa()], []) : this.nodata();
      case 'version':
        return q.type === 'TXT' ? this.result('NOERROR', [{ name: q.name, type: 'TXT', ttl: RECORD_TTL, data: SCHEMA_VERSION }]) : this.nodata();
      case 'parent':
        return this.nodata();
      case 'namespace':
        return this.records.hasNamespace(p.namespace) ? this.nodata() : this.nxdomain();
      case 'service': {
        const svc = this.records.service(p.namespace, p.service);
        return svc ? this.service(q, svc) : this.nxdomain();
      }
      case 'endpoint':
        return this.endpoint(q, p.namespace, p.service, p.endpoint);
      case 'port':
        return this.port(q, p.namespace, p.service, p.port, p.protocol);
      case 'pod':
        if (this.records.verifiesPods && !this.records.podExists(p.namespace, p.ip)) return this.nxdomain();
        return this.addresses(q, [p.ip]);
      case 'invalid':
        return this.nxdomain();
    }
  }

  private service(q: Question, svc: Service): Resolution {
    if (svc.spec.type === 'ExternalName') {
      const target = (svc.spec.externalName ?? '').replace(/\.$/, '');
      const cname: Answer = { name: q.name, type: 'CNAME', ttl: RECORD_TTL, data: target };
      // Stub resolvers (glibc, musl) do not chase a CNAME themselves: the server resolves the target.
      return q.type === 'CNAME' || !target ? this.result('NOERROR', [cname]) : { kind: 'alias', cname, target };
    }
    if (q.type === 'SRV') return this.srv(q, svc, svc.spec.ports ?? []);
    return this.addresses(
      q,
      this.serviceAddresses(svc).map((e) => e.ip),
    );
  }

  /** The addresses a service name answers with: its ClusterIP, or a headless service's endpoints. */
  private serviceAddresses(svc: Service): Endpoint[] {
    if (svc.spec.clusterIP === 'None') return this.publishedEndpoints(svc);
    return serviceIPs(svc).map((ip) => ({ ip, ready: true, ports: svc.spec.ports ?? [] }));
  }

  private publishedEndpoints(svc: Service): Endpoint[] {
    return this.records.endpoints(svc.metadata.namespace, svc.metadata.name).filter((e) => e.ready || svc.spec.publishNotReadyAddresses);
  }

  private endpoint(q: Question, namespace: string, service: string, label: string): Resolution {
    const svc = this.records.service(namespace, service);
    if (svc?.spec.clusterIP !== 'None') return this.nxdomain();
    const matches = this.publishedEndpoints(svc).filter((e) => (e.hostname ?? dashIP(e.ip)) === label || dashIP(e.ip) === label);
    return matches.length
      ? this.addresses(
          q,
          matches.map((e) => e.ip),
        )
      : this.nxdomain();
  }

  private port(q: Question, namespace: string, service: string, port: string, protocol: string): Resolution {
    const svc = this.records.service(namespace, service);
    if (!svc || svc.spec.type === 'ExternalName') return this.nxdomain();
    const ports = (svc.spec.ports ?? []).filter((sp) => sp.name?.toLowerCase() === port && (sp.protocol ?? 'TCP').toLowerCase() === protocol);
    if (ports.length === 0) return this.nxdomain();
    return q.type === 'SRV' ? this.srv(q, svc, ports) : this.nodata();
  }

  /**
   * SRV: for a ClusterIP service one record per port, pointing at the service name; for a headless
   * service one per endpoint and port, pointing at the endpoint's name, with the slice's port number
   * (the pod's). A records for the targets go in the additional section.
   */
  private srv(q: Question, svc: Service, ports: ServicePort[]): Resolution {
    const { name, namespace } = svc.metadata;
    const svcName = `${name}.${namespace}.svc.${this.zone}`;
    const answers: SrvAnswer[] = [];
    const additionals: Answer[] = [];
    if (svc.spec.clusterIP !== 'None') {
      const ips = serviceIPs(svc);
      for (const p of ports) answers.push({ name: q.name, type: 'SRV', ttl: RECORD_TTL, data: { priority: 0, weight: 100, port: p.port, target: svcName } });
      if (answers.length) for (const ip of ips) additionals.push({ name: svcName, type: 'A', ttl: RECORD_TTL, data: ip });
    } else {
      const eps = this.publishedEndpoints(svc);
      for (const p of ports) {
        const matching = eps.filter((e) => e.ports.some((ep) => ep.name === p.name && (ep.protocol ?? 'TCP') === (p.protocol ?? 'TCP')));
        const weight = Math.max(1, Math.floor(100 / Math.max(1, matching.length)));
        for (const e of matching) {
          const ep = e.ports.find((x) => x.name === p.name && (x.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))!;
          const target = `${e.hostname ?? dashIP(e.ip)}.${svcName}`;
          answers.push({ name: q.name, type: 'SRV', ttl: RECORD_TTL, data: { priority: 0, weight, port: ep.port, target } });
          if (!additionals.some((a) => a.name === target)) additionals.push({ name: target, type: 'A', ttl: RECORD_TTL, data: e.ip });
        }
      }
    }
    return answers.length ? this.result('NOERROR', answers, [], additionals) : this.nodata();
  }

  /** A (or ANY) records for IPv4 addresses; an empty NOERROR for AAAA and other types (the name exists). */
  private addresses(q: Question, ips: string[]): Resolution {
    if (q.type !== 'A' && (q.type as string) !== 'ANY') return this.nodata();
    if (ips.length === 0) return this.nodata();
    return this.result(
      'NOERROR',
      ips.map((ip) => ({ name: q.name, type: 'A' as const, ttl: RECORD_TTL, data: ip })),
    );
  }

  private reverse(q: Question, ip: string): Resolution {
    const names = this.records.namesOf(ip);
    if (names.length === 0) return { kind: 'forward' };
    if (q.type !== 'PTR') return this.nodata();
    return this.result(
      'NOERROR',
      names.map((n) => ({ name: q.name, type: 'PTR' as const, ttl: RECORD_TTL, data: n })),
    );
  }

  private soa(): Answer {
    return {
      name: this.zone,
      type: 'SOA',
      ttl: SOA_TTL,
      // minimum bounds how long resolvers cache NXDOMAIN: short, so a new Service resolves at once.
      data: { mname: `ns.dns.${this.zone}`, rname: `hostmaster.${this.zone}`, serial: this.records.serial >>> 0, refresh: 7200, retry: 1800, expire: 86400, minimum: RECORD_TTL },
    };
  }

  private nxdomain(): Resolution {
    return this.result('NXDOMAIN', [], [this.soa()]);
  }

  private nodata(): Resolution {
    return this.result('NOERROR', [], [this.soa()]);
  }

  private result(rcode: Rcode, answers: Answer[], authorities: Answer[] = [], additionals: Answer[] = []): Resolution {
    return { kind: 'answer', rcode, answers, authorities, additionals };
  }
}
