// What a query name means to cluster DNS, per the Kubernetes DNS-based service discovery spec
// (https://github.com/kubernetes/dns/blob/master/docs/specification.md): a service, one of a headless
// service's endpoints, a named port (SRV), a pod by dashed IP, a reverse (PTR) lookup, the zone
// itself, or a name outside the cluster that goes to the upstream resolvers.

export type ParsedName =
  | { kind: 'apex' }
  | { kind: 'version' }
  /** svc.<zone> and pod.<zone>: names that exist only as parents (empty non-terminals). */
  | { kind: 'parent' }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'service'; namespace: string; service: string }
  | { kind: 'endpoint'; namespace: string; service: string; endpoint: string }
  | { kind: 'port'; namespace: string; service: string; port: string; protocol: string }
  | { kind: 'pod'; namespace: string; ip: string }
  | { kind: 'reverse'; ip: string }
  /** A name inside the zone that cannot exist (NXDOMAIN). */
  | { kind: 'invalid' }
  | { kind: 'external' };

/** Lower-cased, without the trailing dot: how names are compared (DNS is case-insensitive). */
export function normalize(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** 10-42-0-7 -> 10.42.0.7, or undefined when it is not a dashed IPv4 address. */
export function undashIP(label: string): string | undefined {
  const parts = label.split('-');
  if (parts.length !== 4 || !parts.every(isOctet)) return undefined;
  return parts.map(Number).join('.');
}

export const dashIP = (ip: string) => ip.replace(/\./g, '-');

const isOctet = (s: string) => /^\d{1,3}$/.test(s) && Number(s) <= 255;

/** 7.0.42.10.in-addr.arpa for 10.42.0.7. */
export const reverseName = (ip: string) => `${ip.split('.').reverse().join('.')}.in-addr.arpa`;

export function parseName(name: string, zone: string): ParsedName {
  const n = normalize(name);
  if (n.endsWith('.in-addr.arpa')) {
    const octets = n.slice(0, -'.in-addr.arpa'.length).split('.');
    if (octets.length !== 4 || !octets.every(isOctet)) return { kind: 'external' };
    return { kind: 'reverse', ip: octets.reverse().map(Number).join('.') };
  }
  if (n === zone) return { kind: 'apex' };
  if (!n.endsWith(`.${zone}`)) return { kind: 'external' };
  const labels = n.slice(0, -(zone.length + 1)).split('.');
  if (labels.length === 1 && labels[0] === 'dns-version') return { kind: 'version' };
  const [top, ...rest] = labels.reverse(); // rest: from the namespace down to the leftmost label
  if (top === 'svc') {
    const [namespace, service, a, b] = rest;
    switch (rest.length) {
      case 0:
        return { kind: 'parent' };
      case 1:
        return { kind: 'namespace', namespace };
      case 2:
        return { kind: 'service', namespace, service };
      case 3:
        return { kind: 'endpoint', namespace, service, endpoint: a };
      case 4:
        // _<port>._<proto>.<svc>.<ns>.svc.<zone>; rest is reversed, so b is the port label.
        if (b.startsWith('_') && a.startsWith('_') && b.length > 1 && a.length > 1) return { kind: 'port', namespace, service, port: b.slice(1), protocol: a.slice(1) };
        return { kind: 'invalid' };
      default:
        return { kind: 'invalid' };
    }
  }
  if (top === 'pod') {
    if (rest.length === 0) return { kind: 'parent' };
    if (rest.length !== 2) return { kind: 'invalid' };
    const ip = undashIP(rest[1]);
    return ip ? { kind: 'pod', namespace: rest[0], ip } : { kind: 'invalid' };
  }
  return { kind: 'invalid' };
}
