// core/v1 Service: a stable virtual IP and DNS name in front of a set of pods.

import type { Service, ServiceSpec, ServiceStatus } from '../../core/index.js';
import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { conditionsOf, condition, kindSchema } from '../../meta.js';
import { bool, enumOf, int32, intOrString, listOf, mapList, str, stringMap, struct } from '../../schema.js';
import { validateLabels } from '../../validate-meta.js';
import { portStatus } from './refs.js';
import { age as ageOf } from '../../table.js';
import { prepareServiceUpdate } from './service-update.js';
import { ipv4OnlyFamilies } from './service-families.js';
import { validateExternalFields } from './service-external.js';

const servicePort = struct(
  'io.k8s.api.core.v1.ServicePort',
  'A port the service exposes.',
  {
    name: str('Name of the port; required when there is more than one.'),
    protocol: enumOf(['TCP', 'UDP', 'SCTP'], 'IP protocol (default TCP).', { default: 'TCP' }),
    appProtocol: str('Application protocol hint, e.g. http.'),
    port: int32('Port the service listens on.'),
    targetPort: intOrString('Port number or name on the pods (default: the same as port).'),
    nodePort: int32('Port on every node, for NodePort and LoadBalancer services.'),
  },
  { required: ['port'] },
);

type Spec = ServiceSpec;

function ports(o: KObject): string {
  const s = (o.spec ?? {}) as Spec;
  const ps = (s.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  return ps.length ? ps.join(',') : '<none>';
}

function externalIP(o: KObject): string {
  const s = (o.spec ?? {}) as Spec;
  if (s.type === 'ExternalName') return s.externalName ?? '<none>';
  const lb = ((o as Service).status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
  const ips = [...(s.externalIPs ?? []), ...lb];
  if (ips.length) return ips.join(',');
  return s.type === 'LoadBalancer' ? '<pending>' : '<none>';
}

export const service: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  nameFormat: 'label',
  schema: kindSchema('io.k8s.api.core.v1.Service', 'A stable virtual IP and DNS name that load-balances over a set of pods.', {
    spec: struct('io.k8s.api.core.v1.ServiceSpec', 'What the service exposes and where it sends traffic.', {
      ports: mapList(servicePort, 'port', 'Ports the service exposes.', ['port', 'protocol']),
      selector: { ...stringMap('Pods with these labels receive the traffic.') },
      clusterIP: str('The virtual IP, allocated by the server unless set; "None" for a headless service.'),
      clusterIPs: listOf(str(), 'The virtual IPs (one per IP family).'),
      type: enumOf(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], 'How the service is exposed (default ClusterIP).'),
      externalIPs: listOf(str(), 'IPs outside the cluster that also route to the service.'),
      sessionAffinity: enumOf(['None', 'ClientIP'], 'ClientIP keeps a client on one pod (default None).'),
      loadBalancerIP: str('Deprecated: the requested load balancer IP.'),
      loadBalancerSourceRanges: listOf(str(), 'Client CIDRs allowed through a cloud load balancer.'),
      externalName: str('DNS name this ExternalName service is an alias of.'),
      externalTrafficPolicy: enumOf(['Cluster', 'Local'], 'Whether external traffic may go to pods on other nodes.'),
      healthCheckNodePort: int32('Node port for load balancer health checks.'),
      publishNotReadyAddresses: bool('Publish endpoints of pods that are not ready.'),
      sessionAffinityConfig: struct('io.k8s.api.core.v1.SessionAffinityConfig', 'Session affinity settings.', {
        clientIP: struct('io.k8s.api.core.v1.ClientIPConfig', 'ClientIP affinity settings.', { timeoutSeconds: int32('Sticky time (default 10800).') }),
      }),
      ipFamilies: listOf(enumOf(['IPv4', 'IPv6']), 'IP families of the service.'),
      ipFamilyPolicy: enumOf(['SingleStack', 'PreferDualStack', 'RequireDualStack'], 'Dual-stack policy.'),
      allocateLoadBalancerNodePorts: bool('Allocate node ports for LoadBalancer services (default true).'),
      loadBalancerClass: str('The load balancer implementation to use.'),
      internalTrafficPolicy: enumOf(['Cluster', 'Local'], 'Whether in-cluster traffic may go to pods on other nodes.'),
      trafficDistribution: str('Preference for how traffic is spread, e.g. PreferClose.'),
    }),
    status: struct('io.k8s.api.core.v1.ServiceStatus', 'The observed state of a service.', {
      loadBalancer: struct('io.k8s.api.core.v1.LoadBalancerStatus', "A load balancer's addresses.", {
        ingress: listOf(
          struct('io.k8s.api.core.v1.LoadBalancerIngress', 'One load balancer address.', {
            ip: str(),
            hostname: str(),
            ipMode: str(),
            ports: listOf(portStatus),
          }),
        ),
      }),
      conditions: conditionsOf(condition),
    }),
  }),
  subresources: { status: true, other: ['proxy'] },
  printerColumns: [
    { name: 'Type', type: 'string', description: 'How the service is exposed.', cell: (o) => (o.spec as Spec)?.type ?? '' },
    { name: 'Cluster-IP', type: 'string', description: 'The virtual IP.', cell: (o) => (o.spec as Spec)?.clusterIP || '<none>' },
    { name: 'External-IP', type: 'string', description: 'External addresses.', cell: externalIP },
    { name: 'Port(s)', type: 'string', description: 'Exposed ports.', cell: ports },
    { name: 'Age', type: 'string', description: 'Time since creation.', cell: (o) => (o.metadata?.creationTimestamp ? ageOf(o.metadata.creationTimestamp) : '') },
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description: 'Pods receiving traffic.',
      cell: (o) => {
        const s = (o.spec as Spec)?.selector;
        return s && Object.keys(s).length
          ? Object.entries(s)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')
          : '<none>';
      },
    },
  ],
  fieldSelectors: { 'spec.clusterIP': (o) => (o.spec as Spec)?.clusterIP, 'spec.type': (o) => (o.spec as Spec)?.type },
  // ServiceStatus.loadBalancer is a plain struct in Go: always written, `{}` when empty.
  initialStatus: () => ({ loadBalancer: {} }),
  default: (o) => {
    const st = (o.status ??= {}) as ServiceStatus;
    st.loadBalancer ??= {};
    const s = (o.spec ??= {}) as Spec;
    s.type ??= 'ClusterIP';
    s.sessionAffinity ??= 'None';
    for (const p of s.ports ?? []) {
      p.protocol ??= 'TCP';
      if (p.targetPort === undefined && s.type !== 'ExternalName') p.targetPort = p.port;
    }
    if (s.type !== 'ExternalName') {
      s.internalTrafficPolicy ??= 'Cluster';
      // Not inferred from an IPv6 clusterIP: validation refuses that IP by name (service-families.ts).
      if (![s.clusterIP, ...(s.clusterIPs ?? [])].some((ip) => ip?.includes(':'))) s.ipFamilies ??= ['IPv4'];
      s.ipFamilyPolicy ??= 'SingleStack';
      if (s.type === 'NodePort' || s.type === 'LoadBalancer') s.externalTrafficPolicy ??= 'Cluster';
    }
    if (s.clusterIP && !s.clusterIPs) s.clusterIPs = [s.clusterIP];
    if (s.sessionAffinity === 'ClientIP') {
      const c = (s.sessionAffinityConfig ??= {});
      (c.clientIP ??= {}).timeoutSeconds ??= 10800;
    }
  },
  // Keep allocated ClusterIP and node ports a client left out; drop them on a type change that frees them.
  prepareUpdate: prepareServiceUpdate,
  validate: (o, old) => {
    const s = (o.spec ?? {}) as Spec;
    const errs: FieldError[] = [];
    const ps = s.ports ?? [];
    if (s.type !== 'ExternalName' && ps.length === 0 && s.clusterIP !== 'None') errs.push(fieldErr.required('spec.ports'));
    const names = new Set<string>();
    ps.forEach((p, i) => {
      const path = `spec.ports[${i}]`;
      if (ps.length > 1 && !p.name) errs.push(fieldErr.required(`${path}.name`));
      if (p.name) {
        if (names.has(p.name)) errs.push(fieldErr.duplicate(`${path}.name`, p.name));
        names.add(p.name);
      }
      if (!p.port || p.port < 1 || p.port > 65535) errs.push(fieldErr.invalid(`${path}.port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
      if (typeof p.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535)) errs.push(fieldErr.invalid(`${path}.targetPort`, p.targetPort, 'must be between 1 and 65535, inclusive'));
      if (p.nodePort !== undefined && p.nodePort !== 0) {
        // The range (--service-node-port-range) is the node port allocator's to check (src/apiserver/services).
        if (s.type !== 'NodePort' && s.type !== 'LoadBalancer') errs.push(fieldErr.forbidden(`${path}.nodePort`, `may not be used when \`type\` is '${s.type ?? 'ClusterIP'}'`));
        else if (p.nodePort < 1 || p.nodePort > 65535) errs.push(fieldErr.invalid(`${path}.nodePort`, p.nodePort, 'must be between 1 and 65535, inclusive'));
      }
    });
    if (s.type === 'ExternalName' && !s.externalName) errs.push(fieldErr.required('spec.externalName'));
    errs.push(...ipv4OnlyFamilies(s));
    errs.push(...validateExternalFields(s));
    errs.push(...validateLabels(s.selector, 'spec.selector'));
    if (old) {
      const os = (old.spec ?? {}) as Spec;
      if (os.clusterIP && s.clusterIP !== os.clusterIP && s.type !== 'ExternalName' && os.type !== 'ExternalName') errs.push(fieldErr.invalid('spec.clusterIP', s.clusterIP ?? '', 'field is immutable'));
    }
    return errs;
  },
};
