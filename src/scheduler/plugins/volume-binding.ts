// VolumeBinding (Kubernetes' pkg/scheduler/framework/plugins/volumebinding): a pod's claims must be
// usable on the node. preFilter looks the claims up (missing, being deleted, or unbound with an
// Immediate class: the pod waits); filter checks, per node, that bound claims' volumes admit the node
// and that every WaitForFirstConsumer claim can get a volume there: an Available matching volume
// whose affinity admits the node (smallest first), or provisioning by its class where the class's
// allowedTopologies and, for CSI drivers that publish it, CSIStorageCapacity allow. reserve assumes
// the choice in the scheduler's assume caches (so the next pod does not take the same volume);
// preBind writes it to the API and waits for the claims to be Bound; unreserve rolls back.

import { ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE } from '../../api/storage-names.js';
import { unresolvable, type CycleState, type Plugin, type Status } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import type { Pod } from '../types.js';
import type { AssumeCache } from '../volumes/assume-cache.js';
import { claimKey, isClaimFullyBound, type StaticBinding, type VolumeBinder } from '../volumes/binder.js';
import { ephemeralOwnershipError, podClaims } from '../volumes/claims.js';
import { claimClass, isVolumeBoundToClaim, type Pv, type Pvc, requestedBytes, volumeClass } from '../../api/storage/types.js';
import { findMatchingVolume, volumeNodeAffinityMatches } from '../../api/storage/volume-match.js';
import { allowedTopologiesMatch, capacityCoversNode, capacitySufficient } from '../volumes/provisioning-topology.js';
import { NO_PROVISIONER, WAIT_FOR_FIRST_CONSUMER, type VolumeListers } from '../volumes/types.js';

export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_NOT_ENOUGH_SPACE = 'node(s) did not have enough free storage';
export const ERR_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';

const KEY = 'VolumeBinding';

export interface PodVolumeClaims {
  bound: Pvc[];
  /** Unbound WaitForFirstConsumer claims: the scheduler decides where they go. */
  toBind: Pvc[];
  /** Volumes per class for the claims to bind (listed once per cycle). */
  volumesByClass: Map<string, Pv[]>;
}

export interface PodVolumes {
  bindings: StaticBinding[];
  provisions: Pvc[];
}

interface State {
  claims: PodVolumeClaims;
  byNode: Map<string, PodVolumes>;
  /** What reserve assumed, for preBind and unreserve. */
  reserved?: PodVolumes;
}

const annotations = (o: { metadata?: { annotations?: Record<string, string> } }) => {
  const a = o.metadata?.annotations;
  return a && typeof a === 'object' ? a : {};
};

/** Kubernetes' IsDelayBindingMode: the claim's class exists and waits for the first consumer. */
export function isDelayBinding(pvc: Pvc, listers: VolumeListers): boolean {
  const cls = claimClass(pvc);
  if (!cls) return false;
  return listers.storageClass(cls)?.volumeBindingMode === WAIT_FOR_FIRST_CONSUMER;
}

/** The pod's claims, sorted into bound and to-bind, or the status that keeps the pod from every node. */
export function podVolumeClaims(pod: Pod, listers: VolumeListers): PodVolumeClaims | Status | undefined {
  const claims = podClaims(pod);
  if (claims.length === 0) return undefined;
  const ns = pod.metadata?.namespace ?? 'default';
  const out: PodVolumeClaims = { bound: [], toBind: [], volumesByClass: new Map() };
  let immediate = 0;
  for (const c of claims) {
    const pvc = listers.pvc(ns, c.name);
    if (!pvc) return unresolvable(c.ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${c.name}"` : `persistentvolumeclaim "${c.name}" not found`);
    if (pvc.status?.phase === 'Lost') return unresolvable(`persistentvolumeclaim "${c.name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"`);
    if (pvc.metadata?.deletionTimestamp) return unresolvable(`persistentvolumeclaim "${c.name}" is being deleted`);
    if (c.ephemeral) {
      const err = ephemeralOwnershipError(pod, pvc);
      if (err) return unresolvable(err);
    }
    if (isClaimFullyBound(pvc)) out.bound.push(pvc);
    // A claim pre-bound to a named volume is the PV controller's to finish, like an Immediate one.
    else if (isDelayBinding(pvc, listers) && !pvc.spec?.volumeName) out.toBind.push(pvc);
    else immediate++;
  }
  if (immediate > 0) return unresolvable(ERR_UNBOUND_IMMEDIATE);
  if (out.toBind.length) {
    const classes = new Set(out.toBind.map(claimClass));
    for (const pv of listers.pvs()) {
      const cls = volumeClass(pv);
      if (!classes.has(cls)) continue;
      let list = out.volumesByClass.get(cls);
      if (!list) out.volumesByClass.set(cls, (list = []));
      list.push(pv);
    }
  }
  return out;
}

const isStatus = (x: PodVolumeClaims | Status): x is Status => 'code' in x;

/** Kubernetes' hasEnoughCapacity: only CSI drivers that publish capacity are checked. */
function hasEnoughCapacity(provisioner: string, pvc: Pvc, className: string, node: NodeInfo, listers: VolumeListers): boolean {
  const size = requestedBytes(pvc);
  if (size === undefined) return true;
  if (listers.csiDriver(provisioner)?.spec?.storageCapacity !== true) return true;
  return listers.capacities().some((c) => c.storageClassName === className && capacitySufficient(c, size) && capacityCoversNode(c, node.labels));
}

/** Reasons the node cannot take the pod's volumes (empty: it can), and what binding there would write. */
export function findPodVolumes(claims: PodVolumeClaims, node: NodeInfo, listers: VolumeListers): { reasons: string[]; volumes: PodVolumes } {
  const volumes: PodVolumes = { bindings: [], provisions: [] };
  const reasons: string[] = [];
  let boundExist = true;
  let boundOk = true;
  for (const pvc of claims.bound) {
    const pv = listers.pv(pvc.spec?.volumeName ?? '');
    if (!pv) boundExist = false;
    else if (!volumeNodeAffinityMatches(pv, node)) boundOk = false;
  }
  let unboundOk = true;
  let enoughSpace = true;
  if (claims.toBind.length) {
    const toProvision: Pvc[] = [];
    const toMatch: Pvc[] = [];
    for (const pvc of claims.toBind) {
      const selected = annotations(pvc)[ANN_SELECTED_NODE];
      if (selected === undefined) toMatch.push(pvc);
      else if (selected === node.name) toProvision.push(pvc);
      else unboundOk = false; // already being provisioned for another node
    }
    if (unboundOk) {
      // Smallest requests first, so each claim gets the smallest volume that fits it.
      toMatch.sort((a, b) => (requestedBytes(a) ?? 0) - (requestedBytes(b) ?? 0));
      const chosen = new Set<string>();
      for (const pvc of toMatch) {
        const pv = findMatchingVolume(pvc, claims.volumesByClass.get(claimClass(pvc)) ?? [], { node, excluded: chosen });
        if (!pv) toProvision.push(pvc);
        else {
          chosen.add(pv.metadata?.name ?? '');
          volumes.bindings.push({ pv, pvc });
        }
      }
      for (const pvc of toProvision) {
        const className = claimClass(pvc);
        const cls = listers.storageClass(className);
        if (!className || !cls) return { reasons: [className ? `storageclass.storage.k8s.io "${className}" not found` : `no class for claim "${pvc.metadata?.name}"`], volumes };
        const provisioner = typeof cls.provisioner === 'string' ? cls.provisioner : '';
        if (!provisioner || provisioner === NO_PROVISIONER || !allowedTopologiesMatch(cls.allowedTopologies, node.labels)) {
          unboundOk = false;
          break;
        }
        if (!hasEnoughCapacity(provisioner, pvc, className, node, listers)) {
          enoughSpace = false;
          break;
        }
        volumes.provisions.push(pvc);
      }
    }
  }
  if (!boundOk) reasons.push(ERR_NODE_CONFLICT);
  if (!unboundOk) reasons.push(ERR_BIND_CONFLICT);
  if (!enoughSpace) reasons.push(ERR_NOT_ENOUGH_SPACE);
  if (!boundExist) reasons.push(ERR_PV_NOT_EXIST);
  return { reasons, volumes };
}

/** The PV with claimRef pointing at the claim (Kubernetes' GetBindVolumeToClaim). */
export function volumeBoundToClaim(pv: Pv, pvc: Pvc): Pv {
  const out = structuredClone(pv) as Pv;
  out.spec ??= {};
  if (!isVolumeBoundToClaim(pv, pvc)) {
    out.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name: pvc.metadata?.name, uid: pvc.metadata?.uid, apiVersion: 'v1', resourceVersion: pvc.metadata?.resourceVersion };
    out.metadata = { ...out.metadata, annotations: { ...annotations(out), [ANN_BOUND_BY_CONTROLLER]: annotations(out)[ANN_BOUND_BY_CONTROLLER] ?? 'yes' } };
  } else if (!out.spec.claimRef?.uid) out.spec.claimRef = { ...out.spec.claimRef, uid: pvc.metadata?.uid };
  return out;
}

export function claimWithSelectedNode(pvc: Pvc, node: string): Pvc {
  const out = structuredClone(pvc) as Pvc;
  out.metadata = { ...out.metadata, annotations: { ...annotations(out), [ANN_SELECTED_NODE]: node } };
  return out;
}

export interface VolumeBindingDeps {
  listers: VolumeListers;
  /** The PV and PVC assume caches (the listers read through them); without them reserve records nothing. */
  assume?: { pvs: AssumeCache<Pv>; pvcs: AssumeCache<Pvc> };
  /** Writes and waits in preBind; without one, preBind fails pods that need bindings. */
  binder?: VolumeBinder;
}

export function volumeBinding(deps: VolumeBindingDeps): Plugin {
  const { listers } = deps;
  return {
    name: 'VolumeBinding',
    preFilter(state: CycleState, pod: PodInfo) {
      state.write(KEY, undefined);
      if (pod.claims.length === 0) return undefined;
      const claims = podVolumeClaims(pod.pod, listers);
      if (!claims) return undefined;
      if (isStatus(claims)) return claims;
      state.write(KEY, { claims, byNode: new Map() } satisfies State);
      return undefined;
    },
    filter(state, _pod, node) {
      const s = state.read<State>(KEY);
      if (!s) return undefined;
      const { reasons, volumes } = findPodVolumes(s.claims, node, listers);
      if (reasons.length) return unresolvable(...reasons);
      s.byNode.set(node.name, volumes);
      return undefined;
    },
    reserve(state, _pod, node) {
      const s = state.read<State>(KEY);
      const chosen = s?.byNode.get(node);
      if (!s || !chosen || (chosen.bindings.length === 0 && chosen.provisions.length === 0)) return undefined;
      const reserved: PodVolumes = { bindings: [], provisions: [] };
      for (const b of chosen.bindings) {
        const pv = volumeBoundToClaim(b.pv, b.pvc);
        deps.assume?.pvs.assume(pv);
        reserved.bindings.push({ pv, pvc: b.pvc });
      }
      for (const c of chosen.provisions) {
        const pvc = claimWithSelectedNode(c, node);
        deps.assume?.pvcs.assume(pvc);
        reserved.provisions.push(pvc);
      }
      s.reserved = reserved;
      return undefined;
    },
    unreserve(state) {
      const s = state.read<State>(KEY);
      if (!s?.reserved) return;
      for (const b of s.reserved.bindings) deps.assume?.pvs.restore(b.pv.metadata?.name ?? '');
      for (const c of s.reserved.provisions) deps.assume?.pvcs.restore(claimKey(c));
      s.reserved = undefined;
    },
    async preBind(state, pod, node) {
      const s = state.read<State>(KEY);
      if (!s?.reserved) return undefined;
      if (!deps.binder) return { code: 'Error', reasons: ['no volume binder configured'] };
      const err = await deps.binder.bind(pod.pod, node, s.reserved.bindings, s.reserved.provisions);
      return err ? { code: 'Error', reasons: [err] } : undefined;
    },
  };
}
