// Which etcd member the store calls (pure; table-tested in endpoints.test.ts). A managed etcd's
// server prefers its own member (locality, as k3s' and kubeadm's stacked etcd), and fails over to
// the cluster's other members while its own does not answer.

/** A member as etcd's MemberList reports it (the fields used here). */
export interface ListedMember {
  clientURLs: string[];
  isLearner?: boolean;
}

/**
 * The endpoints to use: `own` first (the server's own member, or the first configured endpoint),
 * then every other voting member's client URLs in sorted order, without duplicates. Learners are
 * left out (they refuse every request but serializable reads), and so are members not started yet
 * (no client URL). `own` stays even if the list lacks it (a list read before it was added).
 */
export function endpointsFromMembers(own: string, members: readonly ListedMember[]): string[] {
  const others = new Set<string>();
  for (const m of members) {
    if (m.isLearner) continue;
    for (const u of m.clientURLs) if (u && u !== own) others.add(u);
  }
  return [own, ...[...others].sort()];
}

/**
 * The order to try the endpoints in: those not marked down, in their preference order; then those
 * marked down, the one marked longest ago first (the likeliest to be back). `down` maps an endpoint
 * to when a call to it last failed; absent means up.
 */
export function endpointOrder(endpoints: readonly string[], down: ReadonlyMap<string, number>): string[] {
  const up = endpoints.filter((e) => !down.has(e));
  const failed = endpoints.filter((e) => down.has(e)).sort((a, b) => (down.get(a) ?? 0) - (down.get(b) ?? 0));
  return [...up, ...failed];
}
