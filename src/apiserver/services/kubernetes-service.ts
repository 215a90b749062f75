// The `kubernetes` Service in the default namespace: ClusterIP = the first address of the service
// CIDR, port 443 "https" to the API server's port. Created at start when missing. Its Endpoints and
// EndpointSlice (both named kubernetes) list the live API servers: apiserver-leases/ keeps them.

import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { KObject } from '../../api/kind.js';
import { defaultObject } from '../../api/defaults.js';
import type { ApiState } from '../context.js';
import { nowSeconds } from '../prepare.js';
import { ApiError } from '../../api/errors.js';

export interface KubernetesServiceOptions {
  clusterIP: string;
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
  if (!svcDef) return;
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
}
