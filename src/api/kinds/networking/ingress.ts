// networking.k8s.io/v1 Ingress: HTTP(S) routes from hosts and paths to Services, served by an
// Ingress controller of its class (the controller comes with the networking issue). Its status
// (load balancer addresses) is written through the status subresource.

import type { KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { enumOf, int32, listOf, str, struct } from '../../schema.js';
import { typedLocalObjectReference } from '../workloads/refs.js';
import { isObj, objects, str as text } from '../workloads/checks.js';
import { validateIngress } from './ingress-validation.js';
import { ingressWarnings } from './warnings.js';

const net = (n: string) => `io.k8s.api.networking.v1.${n}`;

const serviceBackendPort = struct(
  net('ServiceBackendPort'),
  'A port of the Service: by name or by number, not both.',
  {
    name: str('The port name (IANA_SVC_NAME).'),
    number: int32('The port number.'),
  },
  { mapType: 'atomic' },
);

const ingressServiceBackend = struct(
  net('IngressServiceBackend'),
  'A Service in the namespace of the Ingress, and one of its ports.',
  {
    name: str('The Service.'),
    port: serviceBackendPort,
  },
  { documentedRequired: ['name'] },
);

export const ingressBackend = struct(net('IngressBackend'), 'Where matching requests go: a Service port or another resource.', {
  service: ingressServiceBackend,
  resource: typedLocalObjectReference,
});

const httpIngressPath = struct(
  net('HTTPIngressPath'),
  'A path and the backend its requests go to.',
  {
    path: str('Matched against the request path; must start with "/" (optional for ImplementationSpecific).'),
    pathType: enumOf(['Exact', 'ImplementationSpecific', 'Prefix'], 'How path matches: Exact, Prefix (by path element) or ImplementationSpecific (up to the controller).'),
    backend: ingressBackend,
  },
  { documentedRequired: ['pathType', 'backend'] },
);

const ingressRule = struct(net('IngressRule'), 'Routes for a host (all hosts when empty).', {
  host: str('A DNS name, optionally with a leading "*." wildcard; not an IP.'),
  http: struct(net('HTTPIngressRuleValue'), 'HTTP routes.', { paths: listOf(httpIngressPath, 'The paths, matched by the controller.') }, { documentedRequired: ['paths'] }),
});

const ingressTLS = struct(net('IngressTLS'), 'TLS for some hosts, with the certificate in a Secret.', {
  hosts: listOf(str(), 'Hosts the certificate is for.'),
  secretName: str('The Secret holding the certificate and key.'),
});

const ingressPortStatus = struct(net('IngressPortStatus'), 'A port of the load balancer.', { port: int32('The port.'), protocol: enumOf(['SCTP', 'TCP', 'UDP'], 'The protocol.'), error: str('Why the port is not served, when it is not.') }, { required: ['port', 'protocol'] });

const ingressStatus = struct(net('IngressStatus'), 'The observed state of an Ingress.', {
  loadBalancer: struct(net('IngressLoadBalancerStatus'), 'The addresses of the load balancer.', {
    ingress: listOf(
      struct(net('IngressLoadBalancerIngress'), 'One address of the load balancer.', {
        ip: str('An IP address.'),
        hostname: str('A DNS name.'),
        ports: listOf(ingressPortStatus, 'Its ports.'),
      }),
      'The addresses.',
    ),
  }),
});

type Ing = KObject & { spec?: { ingressClassName?: string; rules?: unknown; tls?: unknown }; status?: { loadBalancer?: { ingress?: unknown } } };

/** Kubernetes' HOSTS cell: up to three hosts, then "+ N more..."; "*" when none is named. */
export function formatHosts(rules: unknown): string {
  const list: string[] = [];
  const all = objects(rules);
  const max = 3;
  let more = false;
  for (const r of all) {
    if (list.length === max) more = true;
    if (!more && text(r.host)) list.push(text(r.host));
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${all.length - max} more...` : list.join(',');
}

/** Kubernetes' ADDRESS cell: the load balancer's IPs (or hostnames), sorted and deduplicated. */
export function formatAddresses(status: Ing['status']): string {
  const out = new Set<string>();
  for (const i of objects(isObj(status?.loadBalancer) ? status!.loadBalancer!.ingress : undefined)) {
    if (text(i.ip)) out.add(text(i.ip));
    else if (text(i.hostname)) out.add(text(i.hostname));
  }
  return [...out].sort().join(',');
}

export const ingress: KindDef = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  plural: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  schema: kindSchema('io.k8s.api.networking.v1.Ingress', 'Rules routing outside HTTP(S) traffic to Services, implemented by an Ingress controller.', {
    spec: struct(net('IngressSpec'), 'The routes.', {
      ingressClassName: str('The IngressClass whose controller implements this Ingress; set from the default class when absent.'),
      defaultBackend: ingressBackend,
      tls: listOf(ingressTLS, 'TLS configuration.'),
      rules: listOf(ingressRule, 'Host rules; requests matching none go to the default backend.'),
    }),
    status: ingressStatus,
  }),
  subresources: { status: true },
  // As Kubernetes writes a new Ingress's (Go struct) status.
  initialStatus: () => ({ loadBalancer: {} }),
  hasGeneration: true,
  printerColumns: [
    { name: 'Class', type: 'string', description: 'The IngressClass.', cell: (o) => (o as Ing).spec?.ingressClassName ?? '<none>' },
    { name: 'Hosts', type: 'string', description: 'The hosts of its rules.', cell: (o) => formatHosts((o as Ing).spec?.rules) },
    { name: 'Address', type: 'string', description: 'The load balancer addresses.', cell: (o) => formatAddresses((o as Ing).status) },
    { name: 'Ports', type: 'string', description: 'The ports it is served on.', cell: (o) => (objects((o as Ing).spec?.tls).length ? '80, 443' : '80') },
  ],
  validate: validateIngress,
  warnings: (o, old) => (old ? [] : ingressWarnings(o)),
};
