// Service and EndpointSlice objects for the proxy's unit tests and benchmark.

import type { KObject } from '../api/kind.js';

export function service(name: string, clusterIP: string, spec: Record<string, unknown> = {}, namespace = 'default'): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name }, spec: { clusterIP, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], ...spec } } as KObject;
}

export type TestEndpoint = string | { ip: string; ready?: boolean; serving?: boolean; terminating?: boolean; nodeName?: string };

export function endpointSlice(svc: string, endpoints: TestEndpoint[], opts: { namespace?: string; name?: string; port?: number; portName?: string } = {}): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: opts.namespace ?? 'default', name: opts.name ?? `${svc}-abcde`, labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: opts.portName ?? 'http', port: opts.port ?? 8080, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => {
      const ep = typeof e === 'string' ? { ip: e } : e;
      const conditions = typeof e === 'string' ? { ready: true, serving: true, terminating: false } : { ready: ep.ready, serving: ep.serving, terminating: ep.terminating };
      return { addresses: [ep.ip], conditions, ...(ep.nodeName ? { nodeName: ep.nodeName } : {}) };
    }),
  } as KObject;
}
