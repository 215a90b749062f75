// Where a route's requests go: straight to the pods behind the Service port, from its
// EndpointSlices (no ClusterIP hop, as ingress-nginx does). Ready endpoints serve; when none is
// ready, serving-but-terminating ones do (a rolling Deployment's last old pods drain instead of the
// route failing), as kube-proxy does for Services.

import type { EndpointSlice, Service } from '../../api/core/index.js';
import { LABEL_SERVICE_NAME } from '../../api/well-known.js';
import type { BackendRef } from './routing.js';

export interface Upstream {
  ip: string;
  port: number;
}

type ServiceLike = Pick<Service, 'metadata' | 'spec'>;
/** Lists may be null in what a client sends. */
type SliceLike = Pick<EndpointSlice, 'metadata' | 'addressType'> & { ports?: EndpointSlice['ports'] | null; endpoints?: EndpointSlice['endpoints'] | null };

/** Upstreams by Service port ("ns/service:port", the port as the route names it), compiled once per change. */
export class UpstreamIndex {
  private byBackend = new Map<string, Upstream[]>();

  static key(b: BackendRef): string {
    return `${b.namespace}/${b.service}:${b.port}`;
  }

  /** Only the backends routes use are computed. */
  static build(backends: Iterable<BackendRef>, services: readonly ServiceLike[], slices: readonly SliceLike[]): UpstreamIndex {
    const idx = new UpstreamIndex();
    const svcByKey = new Map(services.map((s) => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]));
    const slicesByKey = new Map<string, SliceLike[]>();
    for (const s of slices) {
      const name = s.metadata?.labels?.[LABEL_SERVICE_NAME];
      if (!name || s.addressType !== 'IPv4') continue;
      const k = `${s.metadata?.namespace}/${name}`;
      let list = slicesByKey.get(k);
      if (!list) slicesByKey.set(k, (list = []));
      list.push(s);
    }
    for (const b of backends) {
      const key = UpstreamIndex.key(b);
      if (idx.byBackend.has(key)) continue;
      const svc = svcByKey.get(`${b.namespace}/${b.service}`);
      const sp = svc?.spec?.ports?.find((p) => (typeof b.port === 'number' ? p.port === b.port : p.name === b.port));
      if (!sp) {
        idx.byBackend.set(key, []);
        continue;
      }
      const portName = sp.name ?? '';
      const ready: Upstream[] = [];
      const draining: Upstream[] = [];
      for (const slice of slicesByKey.get(`${b.namespace}/${b.service}`) ?? []) {
        const port = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === 'TCP')?.port;
        if (!port) continue;
        for (const e of slice.endpoints ?? []) {
          const c = e.conditions ?? {};
          const ip = e.addresses?.[0];
          if (!ip) continue;
          if (c.ready !== false) ready.push({ ip, port });
          else if (c.serving && c.terminating) draining.push({ ip, port });
        }
      }
      idx.byBackend.set(key, ready.length ? ready : draining);
    }
    return idx;
  }

  get(b: BackendRef): Upstream[] {
    return this.byBackend.get(UpstreamIndex.key(b)) ?? [];
  }
}
