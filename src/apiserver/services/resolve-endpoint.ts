// Where the API server dials a Service it calls itself (an APIService's extension server, an
// admission or conversion webhook): one of the Service's ready endpoints (an EndpointSlice address
// and the port behind the Service port), as kube-apiserver does with
// --enable-aggregator-routing=true (k3s's default too). Dialling endpoints rather than the
// ClusterIP means the control plane's host needs no service proxy. An ExternalName Service is
// dialled at its external name. Failures carry the APIService Available condition's reason and a
// message worded as Kubernetes' availability controller words it.

import type { EndpointSlice, Service } from '../../api/core/index.js';
import { LABEL_SERVICE_NAME } from '../../api/well-known.js';
import type { ApiState } from '../context.js';

export interface ServiceReference {
  namespace?: string;
  name?: string;
  port?: number;
}

export interface Target {
  host: string;
  port: number;
  /** The name the serving certificate must cover: <service>.<namespace>.svc. */
  serverName: string;
}

export class ResolveError extends Error {
  constructor(
    readonly reason: 'ServiceNotFound' | 'ServicePortError' | 'MissingEndpoints',
    message: string,
  ) {
    super(message);
  }
}

const SLICE_CAP = 100;

export async function resolveService(state: ApiState, ref: ServiceReference): Promise<Target> {
  const ns = ref.namespace ?? '';
  const name = ref.name ?? '';
  const port = ref.port ?? 443;
  const serverName = `${name}.${ns}.svc`;
  const svcDef = state.registry.byResource('', 'v1', 'services');
  const sliceDef = state.registry.byResource('discovery.k8s.io', 'v1', 'endpointslices');
  const svc = svcDef ? ((await state.objects(svcDef).get(ns, name))?.obj as Service | undefined) : undefined;
  if (!svc) throw new ResolveError('ServiceNotFound', `service/${name} in "${ns}" is not present`);
  if (svc.spec?.type === 'ExternalName') {
    if (!svc.spec.externalName) throw new ResolveError('MissingEndpoints', `service/${name} in "${ns}" has no external name`);
    return { host: svc.spec.externalName, port, serverName };
  }
  const sp = (svc.spec?.ports ?? []).find((p) => p?.port === port);
  if (!sp) throw new ResolveError('ServicePortError', `service/${name} in "${ns}" is not listening on port ${port}`);
  const portName = sp.name ?? '';
  const slices = sliceDef ? ((await state.objects(sliceDef).list(ns, { limit: 500 })).items as EndpointSlice[]) : [];
  const mine = slices.filter((s) => s.metadata?.labels?.[LABEL_SERVICE_NAME] === name).slice(0, SLICE_CAP);
  const candidates: { host: string; port: number }[] = [];
  for (const s of mine) {
    const p = (s.ports ?? []).find((x) => (x?.name ?? '') === portName);
    if (!p || typeof p.port !== 'number') continue;
    for (const e of s.endpoints ?? []) {
      if (e?.conditions?.ready === false) continue;
      for (const a of e.addresses ?? []) if (typeof a === 'string' && a) candidates.push({ host: a, port: p.port });
    }
  }
  if (mine.length === 0) throw new ResolveError('MissingEndpoints', `cannot find endpoints for service/${name} in "${ns}"`);
  if (candidates.length === 0) throw new ResolveError('MissingEndpoints', `endpoints for service/${name} in "${ns}" have no addresses with port name "${portName}"`);
  // Spread over the ready endpoints, as kube-apiserver's endpoint routing picks one at random.
  const pick = candidates[Math.floor(Math.random() * candidates.length)];
  return { ...pick, serverName };
}
