// A webhook's Service resolved to one of its ready endpoints, as kube-apiserver's endpoint service
// resolver does (the API server does not route through cluster IPs here): the Service port the
// webhook names, then the endpoint port of the same name (or the only one), then a ready address.

import type { KObject } from '../../api/kind.js';
import type { ApiState } from '../context.js';
import { type ServiceResolver, WebhookCallError, type ServiceReference } from './client.js';

type ServicePort = { name?: string; port?: number; targetPort?: number | string };
type Subset = { addresses?: { ip?: string }[]; ports?: { name?: string; port?: number }[] };

/** The address and port behind `svc`'s `port`, or why there is none. Pure: unit-tested. */
export function resolveServiceEndpoint(ref: ServiceReference, service: KObject | null, endpoints: KObject | null, pick: (n: number) => number = (n) => Math.floor(Math.random() * n)): { host: string; port: number } {
  const what = `service "${ref.name}" in namespace "${ref.namespace}"`;
  if (!service) throw new WebhookCallError(`${what} not found`);
  const spec = (service.spec ?? {}) as { type?: string; ports?: ServicePort[] };
  if (spec.type === 'ExternalName') throw new WebhookCallError(`${what} is of type ExternalName, which webhooks cannot use here`);
  const wanted = ref.port ?? 443;
  const svcPort = (spec.ports ?? []).find((p) => p.port === wanted);
  if (!svcPort) throw new WebhookCallError(`${what} has no port ${wanted}`);
  const subsets = ((endpoints?.subsets as Subset[] | undefined) ?? []).filter((s) => (s.addresses ?? []).some((a) => a.ip));
  for (const s of subsets) {
    const ports = s.ports ?? [];
    const port = ports.find((p) => (p.name ?? '') === (svcPort.name ?? '')) ?? (ports.length === 1 && !svcPort.name ? ports[0] : undefined);
    if (!port?.port) continue;
    const ips = (s.addresses ?? []).map((a) => a.ip).filter((ip): ip is string => !!ip);
    return { host: ips[pick(ips.length)], port: port.port };
  }
  throw new WebhookCallError(`${what} has no ready endpoints for port ${wanted}`);
}

/** Reads the Service and its Endpoints from storage. */
export function storageServiceResolver(state: ApiState): ServiceResolver {
  return async (ref) => {
    const svcDef = state.registry.byResource('', 'v1', 'services');
    const epDef = state.registry.byResource('', 'v1', 'endpoints');
    if (!svcDef || !epDef) throw new WebhookCallError('services are not served');
    const [svc, ep] = await Promise.all([state.objects(svcDef).get(ref.namespace, ref.name ?? ''), state.objects(epDef).get(ref.namespace, ref.name ?? '')]);
    return resolveServiceEndpoint(ref, svc?.obj ?? null, ep?.obj ?? null);
  };
}
