// The desired nftables state for a node's services, as a pure function of the service ports (laid
// out like kube-proxy's nftables mode):
//
//   nat prerouting/output ─► services: ip daddr . proto . port vmap @service-ips ─► service-<svc>
//                                      nodeport-ips: proto . port vmap @service-nodeports ─► external-<svc>
//                                      (external IPs and load balancer IPs are in service-ips too, ─► external-<svc>)
//   external-<svc>: policy Cluster: masquerade, ─► service-<svc>; Local: ─► local-<svc> (this node's endpoints)
//   service-<svc>:  masquerade host traffic; sticky clients (affinity sets); numgen random mod N vmap ─► endpoint-<ep>
//                   (internalTrafficPolicy Local: this node's endpoints only; none: drop)
//   endpoint-<ep>:  hairpin (a pod reaching itself) is masqueraded; dnat to ip:port
//   nat postrouting ─► masquerading: packets marked 0x4000 are masqueraded
//   filter input/forward/output: services without endpoints are rejected (TCP reset / ICMP port
//   unreachable) so clients get "connection refused" at once, as are unknown ports on a cluster IP.

import type { ServicePort } from '../model.js';
import { affinitySet, endpointChain, externalChain, localChain, serviceChain } from './names.js';

export interface Chain {
  /** "type nat hook output priority -100; policy accept;" for base chains. */
  base?: string;
  rules: string[];
}

/** Sets and maps whose elements are rewritten on every sync. */
export interface StaticSet {
  type: string;
  elements: string[];
}

export interface Ruleset {
  chains: Map<string, Chain>;
  /** Sets rewritten on every sync (cluster IPs, node IPs, the verdict maps). */
  sets: Map<string, StaticSet>;
  /** Dynamic sets that keep their elements across syncs (session affinity: client IP with a timeout). */
  affinitySets: Map<string, { timeoutSeconds: number }>;
}

export interface RuleOptions {
  /** Addresses NodePorts answer on (the node's IPs; 127.0.0.1 for localhost NodePorts). */
  nodePortIPs: string[];
  /** Pod traffic from outside this CIDR to a service is masqueraded (kube-proxy's --cluster-cidr). */
  clusterCIDR?: string;
  masqueradeAll?: boolean;
  /** Service CIDRs: traffic to an address in them that is no Service's is refused, not routed off the node. */
  serviceCIDRs?: string[];
  /** Drop packets for 127.0.0.0/8 arriving from other hosts (needed once route_localnet is on). */
  guardLocalnet?: boolean;
}

export const masqueradeMark = '0x4000';

const proto = (sp: ServicePort) => sp.protocol.toLowerCase();

export function renderRuleset(ports: ServicePort[], o: RuleOptions): Ruleset {
  const chains = new Map<string, Chain>();
  const chain = (name: string, rules: string[], base?: string) => chains.set(name, base ? { base, rules } : { rules });

  chain('nat-prerouting', ['jump services'], 'type nat hook prerouting priority -100; policy accept;');
  chain('nat-output', ['jump services'], 'type nat hook output priority -100; policy accept;');
  chain('nat-postrouting', ['jump masquerading'], 'type nat hook postrouting priority 100; policy accept;');
  // Filter hooks run just before DNAT (-110) so they still see the service address; the cluster IP
  // check on output runs after it (-90), when only traffic nothing DNATed still has a cluster IP.
  chain(
    'filter-input',
    [...(o.guardLocalnet ? ['iifname != "lo" ip daddr 127.0.0.0/8 ct status & dnat == 0 drop comment "localhost is not reachable from other hosts"'] : []), 'ct state new jump nodeport-endpoints-check', 'ct state new jump service-endpoints-check'],
    'type filter hook input priority -110; policy accept;',
  );
  chain('filter-forward', ['ct state new jump service-endpoints-check', 'ct state new jump cluster-ips-check'], 'type filter hook forward priority -110; policy accept;');
  chain('filter-output', ['ct state new jump service-endpoints-check', 'ct state new jump nodeport-endpoints-check'], 'type filter hook output priority -110; policy accept;');
  chain('filter-output-post-dnat', ['ct state new jump cluster-ips-check'], 'type filter hook output priority -90; policy accept;');

  chain('services', ['ip daddr . meta l4proto . th dport vmap @service-ips', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports']);
  chain('service-endpoints-check', ['ip daddr . meta l4proto . th dport vmap @no-endpoint-services']);
  chain('nodeport-endpoints-check', ['ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports']);
  const unknownVIPs = o.serviceCIDRs?.length ? `{ ${o.serviceCIDRs.join(', ')} }` : undefined;
  chain('cluster-ips-check', ['ip daddr @cluster-ips meta l4proto tcp reject with tcp reset', 'ip daddr @cluster-ips reject', ...(unknownVIPs ? [`ip daddr ${unknownVIPs} meta l4proto tcp reject with tcp reset`, `ip daddr ${unknownVIPs} reject`] : [])]);
  chain('reject-chain', ['meta l4proto tcp reject with tcp reset', 'reject']);
  chain('mark-for-masquerade', [`meta mark set meta mark | ${masqueradeMark}`]);
  chain('masquerading', [`meta mark & ${masqueradeMark} == 0 return`, `meta mark set meta mark ^ ${masqueradeMark}`, 'masquerade fully-random']);

  const sets = new Map<string, StaticSet>();
  const set = (name: string, type: string) => {
    const s = { type, elements: [] as string[] };
    sets.set(name, s);
    return s.elements;
  };
  const clusterIPs = set('cluster-ips', 'ipv4_addr');
  const nodePortIPs = set('nodeport-ips', 'ipv4_addr');
  const serviceIPs = set('service-ips', 'ipv4_addr . inet_proto . inet_service : verdict');
  const serviceNodePorts = set('service-nodeports', 'inet_proto . inet_service : verdict');
  const noEndpointServices = set('no-endpoint-services', 'ipv4_addr . inet_proto . inet_service : verdict');
  const noEndpointNodePorts = set('no-endpoint-nodeports', 'inet_proto . inet_service : verdict');
  nodePortIPs.push(...new Set(o.nodePortIPs));
  const affinitySets = new Map<string, { timeoutSeconds: number }>();

  // A key (address . proto . port, or proto . node port) belongs to the first service port that
  // claims it (ports are sorted by id): two Services asking for one external IP and port, or one
  // node port, must not make the whole transaction fail on a duplicate map element.
  const claimed = new Set<string>();
  const claim = (key: string) => !claimed.has(key) && !!claimed.add(key);
  for (const sp of ports) claim(`${sp.clusterIP} . ${proto(sp)} . ${sp.port}`);

  for (const sp of ports) {
    if (!clusterIPs.includes(sp.clusterIP)) clusterIPs.push(sp.clusterIP);
    const key = `${sp.clusterIP} . ${proto(sp)} . ${sp.port}`;
    const externalKeys = sp.externalIPs.map((ip) => `${ip} . ${proto(sp)} . ${sp.port}`).filter(claim);
    const nodePortKey = sp.nodePort && claim(`${proto(sp)} . ${sp.nodePort}`) ? `${proto(sp)} . ${sp.nodePort}` : undefined;
    if (sp.endpoints.length === 0) {
      for (const k of [key, ...externalKeys]) noEndpointServices.push(`${k} : goto reject-chain`);
      if (nodePortKey) noEndpointNodePorts.push(`${nodePortKey} : goto reject-chain`);
      continue;
    }
    const svcChain = serviceChain(sp);
    serviceIPs.push(`${key} : goto ${svcChain}`);
    if (nodePortKey || externalKeys.length) {
      const ext = externalChain(sp);
      chain(ext, externalRules(sp, svcChain, o.clusterCIDR));
      if (nodePortKey) serviceNodePorts.push(`${nodePortKey} : goto ${ext}`);
      for (const k of externalKeys) serviceIPs.push(`${k} : goto ${ext}`);
    }
    const rules = [
      // From the host itself: the source may be an address the pod cannot answer (127.0.0.1).
      'fib saddr type local jump mark-for-masquerade',
      ...(o.masqueradeAll ? ['jump mark-for-masquerade'] : o.clusterCIDR ? [`ip saddr != ${o.clusterCIDR} jump mark-for-masquerade`] : []),
    ];
    // Cluster IP traffic: every endpoint, or with internalTrafficPolicy Local only this node's;
    // none here is a drop (kube-proxy's: the client must not be sent to another node).
    const clusterEps = sp.internalLocal ? sp.localEndpoints : sp.endpoints;
    const eps = sp.endpoints.map((ep) => ({ ep, chain: endpointChain(sp, ep), affinity: sp.affinityTimeoutSeconds !== undefined ? affinitySet(sp, ep) : undefined }));
    const pick = (chosen: typeof sp.endpoints) => {
      const es = eps.filter((e) => chosen.includes(e.ep));
      if (!es.length) return ['drop comment "no local endpoints"'];
      return [...es.filter((e) => e.affinity).map((e) => `ip saddr @${e.affinity} goto ${e.chain}`), `numgen random mod ${es.length} vmap { ${es.map((e, i) => `${i} : goto ${e.chain}`).join(', ')} }`];
    };
    chain(svcChain, [...rules, ...pick(clusterEps)]);
    if (sp.externalLocal && (nodePortKey || externalKeys.length)) chain(localChain(sp), pick(sp.localEndpoints));
    for (const e of eps) {
      if (e.affinity) affinitySets.set(e.affinity, { timeoutSeconds: sp.affinityTimeoutSeconds! });
      chain(e.chain, [
        // Hairpin: a pod reaching itself through its service must see the reply come from the service.
        `ip saddr ${e.ep.ip} jump mark-for-masquerade`,
        ...(e.affinity ? [`update @${e.affinity} { ip saddr }`] : []),
        `meta l4proto ${proto(sp)} dnat to ${e.ep.ip}:${e.ep.port}`,
      ]);
    }
  }
  return { chains, sets, affinitySets };
}

/**
 * Traffic from outside the cluster (node port, external IP, load balancer IP). Policy Cluster:
 * masqueraded (replies come back through this node) and sent anywhere. Policy Local: not
 * masqueraded, so pods see the client's IP, and sent only to this node's endpoints (dropped when
 * there are none: the load balancer's health check steers clients away). Traffic that starts on
 * this node (the host, or its pods) is cluster traffic either way, as kube-proxy treats it.
 */
function externalRules(sp: ServicePort, svcChain: string, clusterCIDR?: string): string[] {
  if (!sp.externalLocal) return ['jump mark-for-masquerade', `goto ${svcChain}`];
  return ['fib saddr type local jump mark-for-masquerade', 'fib saddr type local goto ' + svcChain, ...(clusterCIDR ? [`ip saddr ${clusterCIDR} goto ${svcChain}`] : []), `goto ${localChain(sp)}`];
}

/** Rules plus set elements: the size of what the kernel holds. */
export function ruleCount(r: Ruleset): number {
  let n = 0;
  for (const c of r.chains.values()) n += c.rules.length;
  for (const s of r.sets.values()) n += s.elements.length;
  return n;
}
