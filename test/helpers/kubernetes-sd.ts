// Debian builds Prometheus without its Kubernetes service discovery (kubernetes_sd_configs is
// patched out with client-go). So that the Debian package can still be the Prometheus of the e2e
// test, this serves Prometheus' HTTP SD format (http_sd_configs) with what kubernetes_sd_configs
// would discover: the same roles (node, pod, service, endpoints, endpointslice), the same
// __address__ and __meta_kubernetes_* labels, read from the API server with the ServiceAccount's
// token (so the discovery RBAC is exercised), and the scrape jobs' relabeling stays the standard
// one. A Prometheus built with Kubernetes SD uses kubernetes_sd_configs directly instead.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export const SD_ROLES = ['node', 'pod', 'service', 'endpoints', 'endpointslice'] as const;
export type SdRole = (typeof SD_ROLES)[number];

interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

type Obj = { metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; uid?: string }; spec?: any; status?: any; [k: string]: any };

/** A Kubernetes label or annotation name as a Prometheus label name part (Prometheus' sanitizing). */
const sanitize = (s: string) => s.replace(/[^a-zA-Z0-9_]/g, '_');

function objectLabels(prefix: string, o: Obj): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    out[`${prefix}_label_${sanitize(k)}`] = v;
    out[`${prefix}_labelpresent_${sanitize(k)}`] = 'true';
  }
  for (const [k, v] of Object.entries(o.metadata.annotations ?? {})) {
    out[`${prefix}_annotation_${sanitize(k)}`] = v;
    out[`${prefix}_annotationpresent_${sanitize(k)}`] = 'true';
  }
  return out;
}

const join = (host: string, port: number | string) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** The node's address Prometheus picks: InternalIP first, then InternalDNS, ExternalIP, ExternalDNS, Hostname... */
function nodeAddress(node: Obj): string | undefined {
  const addrs: { type: string; address: string }[] = node.status?.addresses ?? [];
  for (const type of ['InternalIP', 'InternalDNS', 'ExternalIP', 'ExternalDNS', 'LegacyHostIP', 'Hostname']) {
    const a = addrs.find((x) => x.type === type);
    if (a) return a.address;
  }
  return undefined;
}

function nodeGroups(nodes: Obj[]): TargetGroup[] {
  return nodes.flatMap((n) => {
    const addr = nodeAddress(n);
    if (!addr) return [];
    const labels: Record<string, string> = { __meta_kubernetes_node_name: n.metadata.name, instance: n.metadata.name, __meta_kubernetes_node_provider_id: n.spec?.providerID ?? '', ...objectLabels('__meta_kubernetes_node', n) };
    for (const a of n.status?.addresses ?? []) labels[`__meta_kubernetes_node_address_${a.type}`] ??= a.address;
    return [{ targets: [join(addr, n.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250)], labels }];
  });
}

function podGroups(pods: Obj[]): TargetGroup[] {
  return pods.flatMap((p) => {
    const ip = p.status?.podIP;
    if (!ip) return [];
    const ready = (p.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.status === 'True';
    const base: Record<string, string> = {
      __meta_kubernetes_namespace: p.metadata.namespace ?? '',
      __meta_kubernetes_pod_name: p.metadata.name,
      __meta_kubernetes_pod_ip: ip,
      __meta_kubernetes_pod_node_name: p.spec?.nodeName ?? '',
      __meta_kubernetes_pod_host_ip: p.status?.hostIP ?? '',
      __meta_kubernetes_pod_uid: p.metadata.uid ?? '',
      __meta_kubernetes_pod_phase: p.status?.phase ?? '',
      __meta_kubernetes_pod_ready: String(ready),
      ...objectLabels('__meta_kubernetes_pod', p),
    };
    // One target per declared container port, and one bare address for a container without ports.
    return (p.spec?.containers ?? []).flatMap((c: { name: string; image: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }) => {
      const container = { __meta_kubernetes_pod_container_name: c.name, __meta_kubernetes_pod_container_image: c.image, __meta_kubernetes_pod_container_init: 'false' };
      if (!c.ports?.length) return [{ targets: [ip], labels: { ...base, ...container } }];
      return c.ports.map((port) => ({
        targets: [join(ip, port.containerPort)],
        labels: { ...base, ...container, __meta_kubernetes_pod_container_port_name: port.name ?? '', __meta_kubernetes_pod_container_port_number: String(port.containerPort), __meta_kubernetes_pod_container_port_protocol: port.protocol ?? 'TCP' },
      }));
    });
  });
}

function serviceLabels(s: Obj | undefined): Record<string, string> {
  if (!s) return {};
  return { __meta_kubernetes_service_name: s.metadata.name, ...objectLabels('__meta_kubernetes_service', s) };
}

function serviceGroups(services: Obj[]): TargetGroup[] {
  return services.flatMap((s) =>
    (s.spec?.ports ?? []).map((port: { name?: string; port: number; protocol?: string }) => ({
      targets: [join(`${s.metadata.name}.${s.metadata.namespace}.svc`, port.port)],
      labels: {
        __meta_kubernetes_namespace: s.metadata.namespace ?? '',
        ...serviceLabels(s),
        __meta_kubernetes_service_port_name: port.name ?? '',
        __meta_kubernetes_service_port_number: String(port.port),
        __meta_kubernetes_service_port_protocol: port.protocol ?? 'TCP',
        __meta_kubernetes_service_cluster_ip: s.spec?.clusterIP ?? '',
        __meta_kubernetes_service_type: s.spec?.type ?? '',
      },
    })),
  );
}

function endpointsGroups(endpoints: Obj[], services: Map<string, Obj>): TargetGroup[] {
  return endpoints.flatMap((e) => {
    const svc = services.get(`${e.metadata.namespace}/${e.metadata.name}`);
    const base = { __meta_kubernetes_namespace: e.metadata.namespace ?? '', __meta_kubernetes_endpoints_name: e.metadata.name, ...objectLabels('__meta_kubernetes_endpoints', e), ...serviceLabels(svc) };
    return (e.subsets ?? []).flatMap((subset: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[]; ports?: { name?: string; port: number; protocol?: string }[] }) =>
      (subset.ports ?? []).flatMap((port) =>
        [...(subset.addresses ?? []).map((a) => ({ a, ready: 'true' })), ...(subset.notReadyAddresses ?? []).map((a) => ({ a, ready: 'false' }))].map(({ a, ready }) => ({
          targets: [join(a.ip, port.port)],
          labels: { ...base, __meta_kubernetes_endpoint_port_name: port.name ?? '', __meta_kubernetes_endpoint_port_protocol: port.protocol ?? 'TCP', __meta_kubernetes_endpoint_ready: ready },
        })),
      ),
    );
  });
}

function endpointSliceGroups(slices: Obj[], services: Map<string, Obj>): TargetGroup[] {
  return slices.flatMap((s) => {
    const serviceName = s.metadata.labels?.['kubernetes.io/service-name'];
    const svc = serviceName ? services.get(`${s.metadata.namespace}/${serviceName}`) : undefined;
    const base = { __meta_kubernetes_namespace: s.metadata.namespace ?? '', __meta_kubernetes_endpointslice_name: s.metadata.name, __meta_kubernetes_endpointslice_address_type: s.addressType ?? '', ...objectLabels('__meta_kubernetes_endpointslice', s), ...serviceLabels(svc) };
    return (s.ports ?? []).flatMap((port: { name?: string; port?: number; protocol?: string }) =>
      (s.endpoints ?? []).flatMap((ep: { addresses: string[]; conditions?: { ready?: boolean } }) =>
        ep.addresses.map((addr) => ({
          targets: [join(addr, port.port ?? 0)],
          labels: {
            ...base,
            __meta_kubernetes_endpointslice_port: String(port.port ?? ''),
            __meta_kubernetes_endpointslice_port_name: port.name ?? '',
            __meta_kubernetes_endpointslice_port_protocol: port.protocol ?? 'TCP',
            __meta_kubernetes_endpointslice_endpoint_conditions_ready: String(ep.conditions?.ready ?? true),
          },
        })),
      ),
    );
  });
}

export interface KubernetesSd {
  /** The http_sd_configs URL of a role. */
  url(role: SdRole): string;
  close(): Promise<void>;
}

/** Serve each role's target groups at /{role} on 127.0.0.1, listing the API server as the token allows at every request. */
export async function startKubernetesSd(o: { apiServer: string; ca: Buffer; token: () => string }): Promise<KubernetesSd> {
  const agent = new https.Agent({ ca: o.ca, keepAlive: true });
  const list = (path: string): Promise<Obj[]> =>
    new Promise((resolve, reject) => {
      const req = https.get(`${o.apiServer}${path}`, { agent, headers: { Authorization: `Bearer ${o.token()}`, Accept: 'application/json' }, timeout: 5000 }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET ${path}: ${res.statusCode} ${b.slice(0, 300)}`));
          try {
            resolve(JSON.parse(b).items ?? []);
          } catch (e) {
            reject(e);
          }
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    });
  const servicesByKey = async () => new Map((await list('/api/v1/services')).map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s]));
  const groups = async (role: SdRole): Promise<TargetGroup[]> => {
    switch (role) {
      case 'node':
        return nodeGroups(await list('/api/v1/nodes'));
      case 'pod':
        return podGroups(await list('/api/v1/pods'));
      case 'service':
        return serviceGroups(await list('/api/v1/services'));
      case 'endpoints':
        return endpointsGroups(await list('/api/v1/endpoints'), await servicesByKey());
      case 'endpointslice':
        return endpointSliceGroups(await list('/apis/discovery.k8s.io/v1/endpointslices'), await servicesByKey());
    }
  };
  const server = http.createServer((req, res) => {
    const role = (req.url ?? '').slice(1) as SdRole;
    if (!SD_ROLES.includes(role)) return void res.writeHead(404).end();
    groups(role).then(
      (g) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(g)),
      // Prometheus keeps the previous targets when a refresh fails, as on a failed Kubernetes watch.
      (e) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String((e as Error).message)),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (role) => `http://127.0.0.1:${port}/${role}`,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
