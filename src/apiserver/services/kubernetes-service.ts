// The `kubernetes` Service in the default namespace: ClusterIP = the first address of the service
// CIDR, port 443 "https" to the API server's port, and the Endpoints and EndpointSlice (both named
// kubernetes) listing the API server's advertised address. Written at every start, idempotently;
// several API servers on one store each add their own address (an address that changed port is
// replaced, as Kubernetes' endpoint reconciler does with its own).

import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { KObject } from '../../api/kind.js';
import { defaultObject } from '../../api/defaults.js';
import type { ApiState } from '../context.js';
import { nowSeconds } from '../prepare.js';
import { ApiError } from '../../api/errors.js';

export interface KubernetesServiceOptions {
  clusterIP: string;
  /** The address clients in the cluster reach this API server at. */
  address: string;
  port: number;
}

/**
 * Where pods reach an API server listening on every address: the machine's first non-loopback
 * IPv4 (as kube-apiserver's --advertise-address defaults to), since 127.0.0.1 inside a pod is the pod.
 */
export function defaultAdvertiseAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

const NS = 'default';
const NAME = 'kubernetes';

function fresh(apiVersion: string, kind: string, labels: Record<string, string>, rest: Record<string, unknown>): KObject {
  return { apiVersion, kind, metadata: { name: NAME, namespace: NS, uid: randomUUID(), creationTimestamp: nowSeconds(), labels }, ...rest };
}

const isAlreadyExists = (e: unknown) => e instanceof ApiError && e.reason === 'AlreadyExists';

export async function ensureKubernetesService(state: ApiState, opts: KubernetesServiceOptions) {
  const svcDef = state.registry.byResource('', 'v1', 'services');
  const epDef = state.registry.byResource('', 'v1', 'endpoints');
  const sliceDef = state.registry.byResource('discovery.k8s.io', 'v1', 'endpointslices');
  if (!svcDef || !epDef || !sliceDef) return;
  const log = state.log.child({ component: 'kubernetes-service' });

  const services = state.objects(svcDef);
  if (!(await services.get(NS, NAME))) {
    const svc = fresh(
      'v1',
      'Service',
      { component: 'apiserver', provider: 'kubernetes' },
      {
        spec: { type: 'ClusterIP', clusterIP: opts.clusterIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.port }], sessionAffinity: 'None' },
      },
    );
    defaultObject(svcDef, svc);
    try {
      await services.create(svc);
      log.info('created the kubernetes service', { clusterIP: opts.clusterIP });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  const port = { name: 'https', port: opts.port, protocol: 'TCP' };
  const endpoints = state.objects(epDef);
  type Subset = { addresses?: { ip: string }[]; ports?: { port: number }[] };
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await endpoints.get(NS, NAME);
    if (!cur) {
      const ep = fresh('v1', 'Endpoints', { 'endpointslice.kubernetes.io/skip-mirror': 'true' }, { subsets: [{ addresses: [{ ip: opts.address }], ports: [port] }] });
      defaultObject(epDef, ep);
      try {
        await endpoints.create(ep);
        break;
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        throw e;
      }
    }
    const subset = ((cur.obj.subsets as Subset[] | undefined) ?? [])[0];
    const samePort = subset?.ports?.length === 1 && subset.ports[0].port === opts.port;
    const ips = samePort ? (subset.addresses ?? []).map((a) => a.ip) : [];
    if (ips.includes(opts.address)) break;
    const next = structuredClone(cur.obj);
    next.subsets = [{ addresses: [...ips, opts.address].sort().map((ip) => ({ ip })), ports: [port] }];
    try {
      await endpoints.update(next, cur.revision);
      break;
    } catch (e) {
      if ((e as { reason?: string }).reason === 'Conflict') continue;
      throw e;
    }
  }

  const slices = state.objects(sliceDef);
  type Slice = { endpoints?: { addresses: string[] }[]; ports?: { port?: number }[] };
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = await slices.get(NS, NAME);
    const endpoint = (ip: string) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } });
    if (!cur) {
      const slice = fresh('discovery.k8s.io/v1', 'EndpointSlice', { 'kubernetes.io/service-name': NAME }, { addressType: 'IPv4', endpoints: [endpoint(opts.address)], ports: [port] });
      defaultObject(sliceDef, slice);
      try {
        await slices.create(slice);
        break;
      } catch (e) {
        if (isAlreadyExists(e)) continue;
        throw e;
      }
    }
    const s = cur.obj as Slice;
    const samePort = s.ports?.length === 1 && s.ports[0].port === opts.port;
    const ips = samePort ? (s.endpoints ?? []).flatMap((e) => e.addresses) : [];
    if (ips.includes(opts.address)) break;
    const next = structuredClone(cur.obj);
    next.endpoints = [...ips, opts.address].sort().map(endpoint);
    next.ports = [port];
    try {
      await slices.update(next, cur.revision);
      break;
    } catch (e) {
      if ((e as { reason?: string }).reason === 'Conflict') continue;
      throw e;
    }
  }
}
