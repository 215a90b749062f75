// Where gifee's Ingresses are served: the addresses of the Ready nodes whose agent's ingress
// controller listens (they say so in an annotation on their Node), as k3s' Traefik publishes its
// servicelb addresses. Pure, so the rules are table-tested (plan.test.ts).

import type { KObject } from '../../api/kind.js';
import { ingressAddressOf, NODE_INGRESS_ANNOTATION, parseIngressListening } from '../../api/ingress-class.js';
import { lbNodes } from '../../api/load-balancer.js';

/** At most this many addresses in one Ingress's status (a 5,000-node cluster would otherwise write them all into every Ingress). */
export const MAX_INGRESS_ADDRESSES = 64;

/** The sorted addresses every gifee Ingress's status.loadBalancer.ingress lists. */
export function ingressAddresses(nodes: readonly KObject[]): string[] {
  const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  const out = new Set<string>();
  for (const n of lbNodes([...nodes])) {
    const listening = parseIngressListening(byName.get(n.name)?.metadata?.annotations?.[NODE_INGRESS_ANNOTATION]);
    const ip = listening && ingressAddressOf(listening, n.ip);
    if (ip) out.add(ip);
  }
  return [...out].sort(compareIPv4).slice(0, MAX_INGRESS_ADDRESSES);
}

function compareIPv4(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}
