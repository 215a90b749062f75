// Kubernetes' NodeRestriction admission plugin: what the system:node rules let every node do in
// general (update nodes, pods' status, leases...) narrowed to the node's own objects. A node
// changes only its own Node (never its taints, nor labels under node-restriction.kubernetes.io/
// or the kubernetes.io/ and k8s.io/ prefixes beyond the kubelet's own labels), only the status of
// pods bound to it, creates and deletes only its own (mirror) pods, renews only its own Lease,
// requests service account tokens only bound to its own pods, client certificates only for
// itself, and writes only its own CSINode (the CSI drivers registered on it). Messages are Kubernetes'.

import type { Node, Pod } from '../../../api/core/index.js';
import { isStorageSidecarsAccount } from '../../../api/auth/storage-sidecars.js';
import { isIngressControllerAccount } from '../../../api/auth/ingress-controller.js';
import type { KObject } from '../../../api/kind.js';
import { forbidden } from '../../../api/errors.js';
import { ANNOTATION_MIRROR_POD, LABEL_ARCH, LABEL_ARCH_BETA, LABEL_HOSTNAME, LABEL_INSTANCE_TYPE, LABEL_INSTANCE_TYPE_BETA, LABEL_OS, LABEL_OS_BETA, LABEL_REGION, LABEL_REGION_FAILURE_DOMAIN_BETA, LABEL_ZONE, LABEL_ZONE_FAILURE_DOMAIN_BETA } from '../../../api/well-known.js';
import type { AdmissionPlugin, AdmissionRequest } from '../../admission/chain.js';
import { NODE_LEASE_NAMESPACE, nodeIdentity } from './authorizer.js';
import { deepEqual } from '../../../util/equal.js';

const MIRROR_ANNOTATION = ANNOTATION_MIRROR_POD;
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

/** Labels a kubelet may set on its own Node (Kubernetes' kubeletapis.IsKubeletLabel). */
const KUBELET_LABELS = new Set([LABEL_HOSTNAME, LABEL_ARCH, LABEL_OS, LABEL_INSTANCE_TYPE_BETA, LABEL_INSTANCE_TYPE, LABEL_REGION_FAILURE_DOMAIN_BETA, LABEL_ZONE_FAILURE_DOMAIN_BETA, LABEL_REGION, LABEL_ZONE, LABEL_ARCH_BETA, LABEL_OS_BETA]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, domain: string) => ns === domain || ns.endsWith(`.${domain}`);

export function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((d) => inNamespace(ns, d));
}

/** Whether a node may not set (or change, or remove) this label on itself. */
export function isForbiddenNodeLabel(key: string): boolean {
  const ns = labelNamespace(key);
  if (inNamespace(ns, 'node-restriction.kubernetes.io')) return true;
  if ((inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io')) && !isKubeletLabel(key)) return true;
  return false;
}

type Labels = Record<string, string>;
const labelsOf = (o: KObject | undefined): Labels => (o?.metadata?.labels ?? {}) as Labels;

/** Forbidden labels added, changed or removed between two label sets, sorted. */
function forbiddenLabelChanges(before: Labels, after: Labels): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => before[k] !== after[k] && isForbiddenNodeLabel(k)).sort();
}

/** Parses a PEM CSR's subject CN (the CSR helper's parser is injected, so this file needs no X.509 code). */
export type CsrCommonName = (pem: string) => Promise<string | undefined>;

export function nodeRestriction(csrCommonName?: CsrCommonName): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (a) => nodeIdentity(a.rc.user) !== undefined && a.rc.def.group in HANDLERS_BY_GROUP && HANDLERS_BY_GROUP[a.rc.def.group].includes(a.rc.def.plural) && (a.rc.def.plural !== 'persistentvolumeclaims' || a.subresource === 'status'),
    async validate(a) {
      const node = nodeIdentity(a.rc.user)!;
      const ref = { group: a.rc.def.group, resource: a.rc.def.plural };
      // The path's name (a subresource's parent: serviceaccounts/NAME/token), else the object's (creates).
      const name = a.rc.info.name ?? a.obj?.metadata?.name ?? a.old?.metadata?.name ?? '';
      const refuse = (why: string) => forbidden(ref, name, why);
      if (!node) throw refuse(`could not determine node from user "${a.rc.user.name}"`);
      switch (`${ref.group}/${ref.resource}`) {
        case '/nodes':
          return admitNode(node, a, refuse);
        case '/pods':
          return admitPod(node, a, refuse);
        case 'coordination.k8s.io/leases':
          return admitLease(node, a, refuse);
        case 'certificates.k8s.io/certificatesigningrequests':
          return admitCsr(node, a, refuse, csrCommonName);
        case '/serviceaccounts':
          return admitTokenRequest(node, a, refuse);
        case '/persistentvolumeclaims':
          return admitPvcStatus(node, a, refuse);
        case 'storage.k8s.io/csinodes':
          return admitCSINode(node, a, refuse);
      }
    },
  };
}

const HANDLERS_BY_GROUP: Record<string, string[]> = { '': ['nodes', 'pods', 'serviceaccounts', 'persistentvolumeclaims'], 'coordination.k8s.io': ['leases'], 'certificates.k8s.io': ['certificatesigningrequests'], 'storage.k8s.io': ['csinodes'] };

type Refuse = (why: string) => Error;

function admitNode(node: string, a: AdmissionRequest, refuse: Refuse) {
  const requested = a.obj?.metadata?.name ?? a.old?.metadata?.name ?? a.rc.info.name ?? '';
  if (a.operation === 'CREATE') {
    const bad = forbiddenLabelChanges({}, labelsOf(a.obj));
    if (bad.length) throw refuse(`node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`);
  }
  if (requested !== node) throw refuse(`node "${node}" is not allowed to modify node "${requested}"`);
  if (a.operation === 'UPDATE' && a.subresource === '') {
    const spec = (o?: KObject) => (o as Node | undefined)?.spec?.taints ?? [];
    // A node that could drop its own taints could steer workloads it must not run to itself.
    if (!deepEqual(spec(a.obj), spec(a.old))) throw refuse(`node "${node}" is not allowed to modify taints`);
    const bad = forbiddenLabelChanges(labelsOf(a.old), labelsOf(a.obj));
    if (bad.length) throw refuse(`node "${node}" is not allowed to modify labels: ${bad.join(', ')}`);
  }
}

const nodeNameOf = (pod?: KObject) => (pod as Pod | undefined)?.spec?.nodeName ?? '';

function admitPod(node: string, a: AdmissionRequest, refuse: Refuse) {
  if (a.subresource === 'status') {
    if (nodeNameOf(a.old) !== node) throw refuse(`node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
    return;
  }
  if (a.subresource === 'eviction') {
    if (nodeNameOf(a.old ?? a.obj) !== node) throw refuse(`node "${node}" can only evict pods with spec.nodeName set to itself`);
    return;
  }
  if (a.subresource) throw refuse(`unexpected subresource "${a.subresource}"`);
  if (a.operation === 'CREATE') {
    const annotations = (a.obj?.metadata?.annotations ?? {}) as Record<string, string>;
    if (!(MIRROR_ANNOTATION in annotations)) throw refuse(`pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    if (nodeNameOf(a.obj) !== node) throw refuse(`node "${node}" can only create pods with spec.nodeName set to itself`);
    return;
  }
  if (a.operation === 'DELETE') {
    if (nodeNameOf(a.old) !== node) throw refuse(`node "${node}" can only delete pods with spec.nodeName set to itself`);
    return;
  }
  throw refuse(`unexpected operation ${a.operation}, node "${node}" can only create and delete mirror pods`);
}

function admitLease(node: string, a: AdmissionRequest, refuse: Refuse) {
  if (a.rc.info.namespace !== NODE_LEASE_NAMESPACE) throw refuse(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
  const name = a.obj?.metadata?.name ?? a.old?.metadata?.name ?? a.rc.info.name;
  if (name !== node) throw refuse('can only access node lease with the same name as the requesting node');
}

/**
 * A claim's status from a node (node expansion): only status.capacity, status.conditions and the
 * allocated-resource fields may change; the Node authorizer already limited it to its pods' claims.
 * Only the status subresource is handled here: Kubernetes refuses a node any other write to a claim,
 * but gifee's node-side provisioners (docs/storage.md) write the selected-node annotation under the
 * node's identity, with whatever permission their part grants, so that stays their decision.
 */
function admitPvcStatus(node: string, a: AdmissionRequest, refuse: Refuse) {
  if (a.operation !== 'UPDATE') throw refuse(`unexpected operation ${a.operation}`);
  const comparable = (o?: KObject) => {
    const { metadata, status, ...rest } = (o ?? {}) as KObject & { status?: Record<string, unknown> };
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = (metadata ?? {}) as Record<string, unknown>;
    const { capacity: _c, conditions: _cond, allocatedResources: _ar, allocatedResourceStatuses: _ars, ...st } = status ?? {};
    return { ...rest, metadata: meta, status: st };
  };
  if (!deepEqual(comparable(a.old), comparable(a.obj))) throw refuse(`node "${node}" is not allowed to update fields other than status.capacity and status.conditions`);
}

/** A CSINode is named after its node: a node writes only its own (a create by the body's name, the rest by the path's). */
function admitCSINode(node: string, a: AdmissionRequest, refuse: Refuse) {
  const name = a.operation === 'CREATE' ? a.obj?.metadata?.name : (a.rc.info.name ?? a.old?.metadata?.name);
  if (name !== node) throw refuse('can only access CSINode with the same name as the requesting node');
}

/** serviceaccounts/token from a node: only bound to a pod (by name and uid) that is scheduled on it. */
async function admitTokenRequest(node: string, a: AdmissionRequest, refuse: Refuse) {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return;
  const ref = (a.obj as { spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } } } | undefined)?.spec?.boundObjectRef;
  // gifee: the storage sidecars' account, only bound to the requesting node's own Node object.
  if (isStorageSidecarsAccount(a.rc.info.namespace, a.rc.info.name) || isIngressControllerAccount(a.rc.info.namespace, a.rc.info.name)) return admitSidecarToken(node, ref, a, refuse);
  if (ref?.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw refuse('node requested token not bound to a pod');
  if (!ref.uid) throw refuse('node requested token with a pod binding without a uid');
  const podDef = a.rc.api.registry.byResource('', 'v1', 'pods');
  const pod = podDef ? (await a.rc.api.objects(podDef).mustGet(a.rc.info.namespace, ref.name)).obj : undefined;
  if (pod?.metadata?.uid !== ref.uid) throw refuse(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  if (nodeNameOf(pod) !== node) throw refuse('node requested token bound to a pod scheduled on a different node');
}

async function admitSidecarToken(node: string, ref: { apiVersion?: string; kind?: string; name?: string; uid?: string } | undefined, a: AdmissionRequest, refuse: Refuse) {
  if (ref?.apiVersion !== 'v1' || ref.kind !== 'Node' || ref.name !== node) throw refuse(`node requested a storage sidecar token not bound to its own Node "${node}"`);
  if (!ref.uid) throw refuse('node requested token with a node binding without a uid');
  const nodeDef = a.rc.api.registry.byResource('', 'v1', 'nodes');
  const obj = nodeDef ? (await a.rc.api.objects(nodeDef).mustGet(undefined, node)).obj : undefined;
  if (obj?.metadata?.uid !== ref.uid) throw refuse(`the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
}

async function admitCsr(node: string, a: AdmissionRequest, refuse: Refuse, commonName?: CsrCommonName) {
  if (a.operation !== 'CREATE' || a.subresource) return;
  const spec = (a.obj as { spec?: { signerName?: string; request?: string } } | undefined)?.spec;
  if (spec?.signerName !== KUBELET_CLIENT_SIGNER) return;
  let cn: string | undefined;
  try {
    const pem = Buffer.from(spec.request ?? '', 'base64').toString('utf8');
    cn = commonName ? await commonName(pem) : undefined;
  } catch (e) {
    throw refuse(`unable to parse csr: ${(e as Error).message}`);
  }
  if (cn !== `system:node:${node}`) throw refuse(`can only create a node CSR with CN=system:node:${node}`);
}
