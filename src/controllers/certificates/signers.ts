// The rules of the built-in signers (Kubernetes' "Kubernetes signers" documentation), as pure
// functions: which subjects, names and usages each will sign, and which CSRs are a node's own
// requests. A CSR that breaks its signer's rules is marked Failed, never signed.

import type { NodeStatus } from '../../api/core/index.js';
import type { Csr } from '../../api/kinds/certificates/csr.js';
import type { ParsedRequest } from '../../api/kinds/certificates/csr-request.js';

export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
export const KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
export const SIGNERS = [KUBE_APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING];

export const NODE_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';

const CLIENT_USAGES = ['digital signature', 'key encipherment', 'client auth'];
const SERVING_USAGES = ['digital signature', 'key encipherment', 'server auth'];

function usagesError(usages: string[] | undefined, allowed: string[], required: string): string | undefined {
  const u = usages ?? [];
  const extra = u.filter((x) => !allowed.includes(x));
  if (extra.length) return `usages ${extra.map((x) => `"${x}"`).join(', ')} are not allowed by this signer (allowed: ${allowed.join(', ')})`;
  if (!u.includes(required)) return `the "${required}" usage is required by this signer`;
  return undefined;
}

const isNodeSubject = (p: ParsedRequest) => p.commonName.startsWith(NODE_PREFIX) && p.commonName.length > NODE_PREFIX.length && p.organizations.length === 1 && p.organizations[0] === NODES_GROUP;

/** The node name a node client or serving request is for ('' when the subject is not a node's). */
export const nodeNameOf = (p: ParsedRequest) => (isNodeSubject(p) ? p.commonName.slice(NODE_PREFIX.length) : '');

/** Why the signer must refuse this request; undefined when it may sign. `nodeNames` are the names and addresses of the node a serving certificate is for. */
export function signerRuleViolation(csr: Csr, p: ParsedRequest, nodeNames?: Set<string>): string | undefined {
  switch (csr.spec.signerName) {
    case KUBE_APISERVER_CLIENT:
      if (!p.commonName) return 'the subject must have a common name (the user name)';
      if (p.organizations.includes('system:masters')) return 'the system:masters group may not be requested';
      return usagesError(csr.spec.usages, CLIENT_USAGES, 'client auth');
    case KUBELET_CLIENT:
      if (!isNodeSubject(p)) return `the subject must be CN=${NODE_PREFIX}<nodeName>, O=${NODES_GROUP} and nothing else`;
      if (p.dnsNames.length || p.ips.length || p.emails.length || p.uris.length) return 'a kubelet client certificate may not carry subject alternative names';
      return usagesError(csr.spec.usages, CLIENT_USAGES, 'client auth');
    case KUBELET_SERVING: {
      if (!isNodeSubject(p)) return `the subject must be CN=${NODE_PREFIX}<nodeName>, O=${NODES_GROUP} and nothing else`;
      if (p.emails.length || p.uris.length) return 'a kubelet serving certificate may not carry email or URI names';
      if (p.dnsNames.length + p.ips.length === 0) return 'a kubelet serving certificate needs at least one DNS name or IP address';
      if (nodeNames) {
        const foreign = [...p.dnsNames, ...p.ips].filter((n) => !nodeNames.has(n));
        if (foreign.length) return `names ${foreign.join(', ')} are not addresses of node ${nodeNameOf(p)}`;
      }
      return usagesError(csr.spec.usages, SERVING_USAGES, 'server auth');
    }
    default:
      return `unknown signer ${csr.spec.signerName}`;
  }
}

/** Names a node's serving certificate may cover: its name and the addresses in its status. */
export function nodeServingNames(node: { metadata?: { name?: string }; status?: unknown } | undefined): Set<string> | undefined {
  if (!node) return undefined;
  const names = new Set<string>([node.metadata?.name ?? '']);
  for (const a of (node.status as NodeStatus | undefined)?.addresses ?? []) if (a.address) names.add(a.address);
  names.delete('');
  return names;
}

/** The certificate's validity: expirationSeconds (at least 600 s) capped by the signer's maximum. */
export function validitySeconds(csr: Csr, maxSeconds: number): number {
  const asked = csr.spec.expirationSeconds;
  if (typeof asked !== 'number') return maxSeconds;
  return Math.min(maxSeconds, Math.max(600, asked));
}

export const conditionOf = (csr: Csr, type: string) => (csr.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');
