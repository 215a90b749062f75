// What a Service holds from the allocators (its ClusterIP and node ports) and the step that takes
// what a new or changed Service needs before it is stored, with an undo for a failed write and a
// commit that gives back what the old version held and the new one no longer does.

import type { FieldError, KObject } from '../../api/kind.js';
import { invalid, internalError } from '../../api/errors.js';
import { AllocationError, type Owner, type StoreAllocator } from './allocator.js';
import { parseIPv4 } from '../../util/ipv4.js';
import { isHeadless, needsClusterIP, needsHealthCheckNodePort, needsNodePorts, type ServiceSpec } from '../../api/kinds/cluster/service-spec.js';

export { isHeadless, needsClusterIP, needsNodePorts, type ServicePort, type ServiceSpec } from '../../api/kinds/cluster/service-spec.js';

export interface ServiceAllocators {
  ips: StoreAllocator;
  nodePorts: StoreAllocator;
}

const specOf = (svc: KObject) => (svc.spec ??= {}) as ServiceSpec;

/** The allocated values a stored Service holds. */
export function heldBy(svc: KObject | undefined): { ip?: string; nodePorts: Set<number> } {
  if (!svc) return { nodePorts: new Set() };
  const s = (svc.spec ?? {}) as ServiceSpec;
  const ip = needsClusterIP(s) && s.clusterIP && !isHeadless(s) ? s.clusterIP : undefined;
  const nodePorts = new Set((s.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n > 0));
  // The health check node port comes from the same range, as in Kubernetes.
  if (needsHealthCheckNodePort(s) && s.healthCheckNodePort && s.healthCheckNodePort > 0) nodePorts.add(s.healthCheckNodePort);
  return { ip, nodePorts };
}

export const ownerOf = (svc: KObject): Owner => ({ namespace: svc.metadata!.namespace!, name: svc.metadata!.name!, uid: svc.metadata!.uid! });

export interface AllocationStep {
  /** Give back what this step took (the write failed). */
  undo(): Promise<void>;
  /** Give back what the old version held and the stored one does not (the write succeeded). */
  commit(): Promise<void>;
}

/**
 * Fill in and allocate `svc`'s ClusterIP and node ports (as Kubernetes' service REST storage does
 * before writing). `old` is the stored version on update: what it already holds is kept, not
 * allocated again. Throws 422 Invalid for a taken or out-of-range value, 500 when a range is full.
 */
export async function allocateForService(alloc: ServiceAllocators, svc: KObject, old?: KObject): Promise<AllocationStep> {
  const spec = specOf(svc);
  const name = svc.metadata!.name!;
  const owner = ownerOf(svc);
  const held = heldBy(old);
  const taken: { ips: string[]; nodePorts: number[] } = { ips: [], nodePorts: [] };
  const undo = async () => {
    for (const ip of taken.ips) await alloc.ips.release(ip, owner);
    for (const p of taken.nodePorts) await alloc.nodePorts.release(String(p), owner);
  };
  try {
    await allocateClusterIP(alloc, spec, name, owner, held.ip, taken);
    await allocateNodePorts(alloc, spec, name, owner, held.nodePorts, taken);
    await allocateHealthCheckNodePort(alloc, spec, name, owner, held.nodePorts, taken);
  } catch (e) {
    await undo();
    throw e;
  }
  return {
    undo,
    commit: async () => {
      if (!old) return;
      const now = heldBy(svc);
      const oldOwner = ownerOf(old);
      if (held.ip && held.ip !== now.ip) await alloc.ips.release(held.ip, oldOwner);
      for (const p of held.nodePorts) if (!now.nodePorts.has(p)) await alloc.nodePorts.release(String(p), oldOwner);
    },
  };
}

async function allocateClusterIP(alloc: ServiceAllocators, spec: ServiceSpec, name: string, owner: Owner, heldIP: string | undefined, taken: { ips: string[] }) {
  if (!needsClusterIP(spec)) {
    const errs: FieldError[] = [];
    if (spec.clusterIP) errs.push({ field: 'spec.clusterIP', reason: 'FieldValueForbidden', message: 'Forbidden: may not be set for ExternalName services' });
    else if (spec.clusterIPs?.length) errs.push({ field: 'spec.clusterIPs', reason: 'FieldValueForbidden', message: 'Forbidden: may not be set for ExternalName services' });
    if (errs.length) throw invalid('Service', '', name, errs);
    // An ExternalName service is only a DNS alias: no IP families either.
    delete spec.clusterIPs;
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
    return;
  }
  const requested = spec.clusterIP || spec.clusterIPs?.[0] || '';
  if (spec.clusterIPs && spec.clusterIPs.length > 1) {
    throw invalid('Service', '', name, [{ field: 'spec.clusterIPs', reason: 'FieldValueInvalid', message: `Invalid value: ${goStrings(spec.clusterIPs)}: may specify no more than one IP for each IP family; gifee serves IPv4 only` }]);
  }
  if (spec.clusterIP && spec.clusterIPs?.length && spec.clusterIPs[0] !== spec.clusterIP) {
    throw invalid('Service', '', name, [{ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(spec.clusterIPs[0])}: must match \`clusterIP\` if specified` }]);
  }
  if (requested === 'None') {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return;
  }
  if (requested && parseIPv4(requested) === undefined) {
    const why = requested.includes(':') ? "an IPv6 address: gifee's service CIDR is IPv4 only" : 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
    throw invalid('Service', '', name, [{ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(requested)}: ${why}` }]);
  }
  let ip: string;
  if (requested && requested === heldIP) {
    ip = requested;
  } else if (requested) {
    try {
      await alloc.ips.allocate(requested, owner);
    } catch (e) {
      if (!(e instanceof AllocationError)) throw e;
      // Kubernetes' wording and field (the whole list), so tools that parse it keep working.
      throw invalid('Service', '', name, [{ field: 'spec.clusterIPs', reason: 'FieldValueInvalid', message: `Invalid value: ${goStrings([requested])}: failed to allocate IP ${requested}: ${e.message}` }]);
    }
    ip = requested;
    taken.ips.push(ip);
  } else {
    try {
      ip = await alloc.ips.allocateNext(owner);
    } catch (e) {
      if (e instanceof AllocationError) throw internalError(new Error(`failed to allocate a serviceIP: ${e.message}`));
      throw e;
    }
    taken.ips.push(ip);
  }
  spec.clusterIP = ip;
  spec.clusterIPs = [ip];
  spec.ipFamilies = ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
}

async function allocateNodePorts(alloc: ServiceAllocators, spec: ServiceSpec, name: string, owner: Owner, held: Set<number>, taken: { nodePorts: number[] }) {
  if (!needsNodePorts(spec)) return;
  const ports = spec.ports ?? [];
  // One node port per service port number: TCP and UDP on the same port share it, as in Kubernetes.
  const byPort = new Map<number, number>();
  const ours = new Set<number>(held);
  for (const [i, p] of ports.entries()) {
    if (!p.nodePort) continue;
    if (!ours.has(p.nodePort)) {
      try {
        await alloc.nodePorts.allocate(String(p.nodePort), owner);
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
        throw invalid('Service', '', name, [{ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueInvalid', message: `Invalid value: ${p.nodePort}: ${e.message}` }]);
      }
      taken.nodePorts.push(p.nodePort);
      ours.add(p.nodePort);
    }
    if (p.port !== undefined && !byPort.has(p.port)) byPort.set(p.port, p.nodePort);
  }
  for (const p of ports) {
    if (p.nodePort) continue;
    const same = p.port !== undefined ? byPort.get(p.port) : undefined;
    if (same) {
      p.nodePort = same;
      continue;
    }
    let value: string;
    try {
      value = await alloc.nodePorts.allocateNext(owner);
    } catch (e) {
      if (e instanceof AllocationError) throw internalError(new Error(`failed to allocate a nodePort: ${e.message}`));
      throw e;
    }
    p.nodePort = Number(value);
    taken.nodePorts.push(p.nodePort);
    if (p.port !== undefined) byPort.set(p.port, p.nodePort);
  }
}

async function allocateHealthCheckNodePort(alloc: ServiceAllocators, spec: ServiceSpec, name: string, owner: Owner, held: Set<number>, taken: { nodePorts: number[] }) {
  if (!needsHealthCheckNodePort(spec)) return;
  const want = spec.healthCheckNodePort;
  if (want && held.has(want)) return;
  if (want && (spec.ports ?? []).some((p) => p.nodePort === want)) {
    throw invalid('Service', '', name, [{ field: 'spec.healthCheckNodePort', reason: 'FieldValueInvalid', message: `Invalid value: ${want}: provided port is already allocated` }]);
  }
  try {
    if (want) await alloc.nodePorts.allocate(String(want), owner);
    else spec.healthCheckNodePort = Number(await alloc.nodePorts.allocateNext(owner));
  } catch (e) {
    if (!(e instanceof AllocationError)) throw e;
    if (want) throw invalid('Service', '', name, [{ field: 'spec.healthCheckNodePort', reason: 'FieldValueInvalid', message: `Invalid value: ${want}: ${e.message}` }]);
    throw internalError(new Error(`failed to allocate a nodePort: ${e.message}`));
  }
  taken.nodePorts.push(spec.healthCheckNodePort!);
}

/** A string list as Go's %#v prints it in field errors: []string{"10.43.0.5"}. */
const goStrings = (v: string[]) => `[]string{${v.map((s) => JSON.stringify(s)).join(', ')}}`;
