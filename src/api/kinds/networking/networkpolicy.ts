// networking.k8s.io/v1 NetworkPolicy: which traffic the selected pods may receive and send (by pod
// and namespace selectors, IP blocks and ports). Enforcement comes with the networking issue; here
// policies are accepted, validated as Kubernetes validates them, defaulted and stored.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema, labelSelector } from '../../meta.js';
import { int32, intOrString, listOf, str, struct } from '../../schema.js';
import { type Obj, checkLabelSelector, isObj, isSet, objects, portNameErrors, str as text } from '../workloads/checks.js';
import { formatSelector } from '../workloads/columns.js';
import { containsNetwork, parseCidr } from './cidr.js';

const net = (n: string) => `io.k8s.api.networking.v1.${n}`;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

const ipBlock = struct(
  net('IPBlock'),
  'A CIDR, less some CIDRs inside it.',
  {
    cidr: str('An IP range, e.g. "192.168.1.0/24" or "2001:db8::/64".'),
    except: listOf(str(), 'CIDRs inside cidr to leave out.'),
  },
  { documentedRequired: ['cidr'] },
);

const peer = struct(net('NetworkPolicyPeer'), 'Pods (by pod and namespace selector) or an IP block.', {
  podSelector: labelSelector,
  namespaceSelector: labelSelector,
  ipBlock,
});

const port = struct(net('NetworkPolicyPort'), 'A port or a range of ports.', {
  protocol: str('TCP (default), UDP or SCTP.'),
  port: intOrString('A port number or a named port of the pods; all ports when unset.'),
  endPort: int32('With a numeric port: the last port of the range.'),
});

const ingressRule = struct(net('NetworkPolicyIngressRule'), 'Traffic allowed in: from any of the peers, to any of the ports.', {
  ports: listOf(port, 'Ports; all when empty.'),
  from: listOf(peer, 'Sources; everyone when empty.'),
});

const egressRule = struct(net('NetworkPolicyEgressRule'), 'Traffic allowed out: to any of the peers, on any of the ports.', {
  ports: listOf(port, 'Ports; all when empty.'),
  to: listOf(peer, 'Destinations; everyone when empty.'),
});

type NP = KObject & { spec?: { podSelector?: unknown; ingress?: unknown; egress?: unknown; policyTypes?: string[] } };

function validatePort(pt: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(pt.protocol) && !PROTOCOLS.includes(text(pt.protocol))) errs.push(fieldErr.notSupported(`${p}.protocol`, pt.protocol, PROTOCOLS));
  const end = typeof pt.endPort === 'number' ? pt.endPort : undefined;
  const validPort = (field: string, n: number) => (n < 1 || n > 65535 ? [fieldErr.invalid(field, n, 'must be between 1 and 65535, inclusive')] : []);
  if (typeof pt.port === 'number') {
    errs.push(...validPort(`${p}.port`, pt.port));
    if (end !== undefined) {
      if (end < pt.port) errs.push(fieldErr.invalid(`${p}.endPort`, end, 'must be greater than or equal to `port`'));
      errs.push(...validPort(`${p}.endPort`, end));
    }
  } else if (typeof pt.port === 'string') {
    if (end !== undefined) errs.push(fieldErr.invalid(`${p}.endPort`, end, 'may not be specified when `port` is non-numeric'));
    errs.push(...portNameErrors(pt.port).map((m) => fieldErr.invalid(`${p}.port`, pt.port, m)));
  } else if (end !== undefined) errs.push(fieldErr.invalid(`${p}.endPort`, end, 'may not be specified when `port` is not specified'));
  return errs;
}

/** cidr and except; CIDRs the policy already had stay allowed on update, as Kubernetes allows them. */
function validateIPBlock(b: Obj, p: string, existing: Set<string>): FieldError[] {
  const cidrText = text(b.cidr);
  if (cidrText === '') return [fieldErr.required(`${p}.cidr`)];
  const cidr = parseCidr(cidrText);
  if (!cidr) return existing.has(cidrText) ? [] : [fieldErr.invalid(`${p}.cidr`, cidrText, 'not a valid CIDR')];
  const errs: FieldError[] = [];
  for (const [i, e] of (Array.isArray(b.except) ? b.except : []).entries()) {
    const ep = `${p}.except[${i}]`;
    const exceptText = text(e);
    const except = parseCidr(exceptText);
    if (!except) {
      if (!existing.has(exceptText)) errs.push(fieldErr.invalid(ep, exceptText, 'not a valid CIDR'));
      continue;
    }
    if (!containsNetwork(cidr, except) || cidr.prefix >= except.prefix) errs.push(fieldErr.invalid(ep, exceptText, 'must be a strict subset of `cidr`'));
  }
  return errs;
}

function validatePeer(pe: Obj, p: string, existing: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (isObj(pe.podSelector)) {
    n++;
    errs.push(...checkLabelSelector(`${p}.podSelector`, pe.podSelector));
  }
  if (isObj(pe.namespaceSelector)) {
    n++;
    errs.push(...checkLabelSelector(`${p}.namespaceSelector`, pe.namespaceSelector));
  }
  if (isObj(pe.ipBlock)) {
    n++;
    errs.push(...validateIPBlock(pe.ipBlock, `${p}.ipBlock`, existing));
  }
  if (n === 0) errs.push(fieldErr.required(p, 'must specify a peer'));
  else if (n > 1 && isObj(pe.ipBlock)) errs.push(fieldErr.forbidden(p, 'may not specify both ipBlock and another peer'));
  return errs;
}

/** Every CIDR in a policy (for updates: those may stay even if no longer valid). */
function cidrsOf(o: KObject | undefined): Set<string> {
  const out = new Set<string>();
  const spec = o && isObj(o.spec) ? o.spec : {};
  for (const [rules, peers] of [
    [spec.ingress, 'from'],
    [spec.egress, 'to'],
  ] as const) {
    for (const r of objects(rules)) {
      for (const pe of objects(r[peers])) {
        if (!isObj(pe.ipBlock)) continue;
        out.add(text(pe.ipBlock.cidr));
        for (const e of Array.isArray(pe.ipBlock.except) ? pe.ipBlock.except : []) out.add(text(e));
      }
    }
  }
  return out;
}

export function validateNetworkPolicy(o: KObject, old?: KObject): FieldError[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const existing = cidrsOf(old);
  const errs = checkLabelSelector('spec.podSelector', spec.podSelector);
  for (const [key, peers] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    objects(spec[key]).forEach((rule, i) => {
      const rp = `spec.${key}[${i}]`;
      objects(rule.ports).forEach((pt, j) => {
        errs.push(...validatePort(pt, `${rp}.ports[${j}]`));
      });
      objects(rule[peers]).forEach((pe, j) => {
        errs.push(...validatePeer(pe, `${rp}.${peers}[${j}]`, existing));
      });
    });
  }
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (types.length > POLICY_TYPES.length) errs.push(fieldErr.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  else
    types.forEach((t, i) => {
      if (!POLICY_TYPES.includes(t)) errs.push(fieldErr.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
    });
  return errs;
}

export const networkPolicy: KindDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  plural: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  schema: kindSchema('io.k8s.api.networking.v1.NetworkPolicy', 'Which network traffic the selected pods may receive and send.', {
    spec: struct(net('NetworkPolicySpec'), 'The pods it applies to and the traffic they may have.', {
      podSelector: labelSelector,
      ingress: listOf(ingressRule, 'Traffic allowed in (with Ingress in policyTypes).'),
      egress: listOf(egressRule, 'Traffic allowed out (with Egress in policyTypes).'),
      policyTypes: listOf(str(), 'Ingress and/or Egress; default Ingress, plus Egress when egress rules are given.'),
    }),
  }),
  hasGeneration: true,
  printerColumns: [{ name: 'Pod-Selector', type: 'string', description: 'The pods it applies to.', cell: (o) => formatSelector((o as NP).spec?.podSelector) }],
  default: (o) => {
    // spec and its podSelector are Go structs in Kubernetes: always there, empty when not given.
    if (!isObj((o as NP).spec)) (o as NP).spec = {};
    const spec = (o as NP).spec as NonNullable<NP['spec']>;
    if (!isObj(spec.podSelector)) spec.podSelector = {};
    for (const key of ['ingress', 'egress'] as const) for (const r of objects(spec[key])) for (const pt of objects(r.ports)) pt.protocol ??= 'TCP';
    if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) spec.policyTypes = objects(spec.egress).length ? ['Ingress', 'Egress'] : ['Ingress'];
  },
  validate: validateNetworkPolicy,
};
