// What both endpoint controllers ask of a Service and its pods (Kubernetes' endpointutil/podutil):
// which pods back a Service, whether a pod belongs in its endpoints at all, whether it is ready,
// and which port number a Service port reaches on a given pod (named targetPorts differ by pod).

import type { ServicePort as CoreServicePort, ServiceSpec as CoreServiceSpec, PodSpec, PodStatus } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';

/** A Service port as validated: with its number. */
export type ServicePort = CoreServicePort & { port: number };
export type ServiceSpec = Omit<CoreServiceSpec, 'ports'> & { ports?: ServicePort[] };

export const specOf = (svc: KObject) => (svc.spec ?? {}) as ServiceSpec;
export const podSpec = (pod: KObject) => (pod.spec ?? {}) as PodSpec;
const podStatus = (pod: KObject) => (pod.status ?? {}) as PodStatus;

/** Services with a selector get managed endpoints; without one, users write their own (and ExternalName has none). */
export function hasManagedEndpoints(svc: KObject): boolean {
  const s = specOf(svc);
  return s.type !== 'ExternalName' && !!s.selector && Object.keys(s.selector).length > 0;
}

export function selects(svc: KObject, pod: KObject): boolean {
  if (pod.metadata?.namespace !== svc.metadata?.namespace) return false;
  const sel = specOf(svc).selector;
  if (!sel || Object.keys(sel).length === 0) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

export const podIP = (pod: KObject): string | undefined => podStatus(pod).podIP || podStatus(pod).podIPs?.[0]?.ip || undefined;
export const isTerminating = (pod: KObject) => !!pod.metadata?.deletionTimestamp;
export const isPodReady = (pod: KObject) => (podStatus(pod).conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** A pod without an IP, or one that finished, is in no endpoints; a terminating one only where asked for. */
export function belongsInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  if (!podIP(pod)) return false;
  const phase = podStatus(pod).phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!includeTerminating && isTerminating(pod)) return false;
  return true;
}

/** The port a service port reaches on this pod: a number as is, a name looked up in the pod's containers. */
export function resolvePort(pod: KObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of podSpec(pod).containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The pod's DNS hostname in a headless service's records, when its hostname/subdomain ask for it. */
export function hostnameFor(pod: KObject, svc: KObject): string | undefined {
  const s = podSpec(pod);
  return s.hostname && s.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace ? s.hostname : undefined;
}

export const targetRefOf = (pod: KObject) => ({ kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! });

export const isHeadless = (svc: KObject) => specOf(svc).clusterIP === 'None';
