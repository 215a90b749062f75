// core/v1 Endpoints and discovery.k8s.io/v1 EndpointSlice: where a service's pods are.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, enumOf, int32, listOf, mapList, str, stringMap, struct } from '../../schema.js';
import { objectReference } from './refs.js';

const endpointAddress = struct(
  'io.k8s.api.core.v1.EndpointAddress',
  'One endpoint address.',
  {
    ip: str('The IP of the endpoint.'),
    hostname: str('Hostname of the endpoint.'),
    nodeName: str('Node hosting the endpoint.'),
    targetRef: objectReference,
  },
  { required: ['ip'] },
);

const endpointPort = struct(
  'io.k8s.api.core.v1.EndpointPort',
  'One endpoint port.',
  {
    name: str('Name of the port (matching the service port).'),
    port: int32('Port number.'),
    protocol: enumOf(['TCP', 'UDP', 'SCTP'], 'IP protocol (default TCP).'),
    appProtocol: str('Application protocol hint.'),
  },
  { required: ['port'] },
);

const subset = struct('io.k8s.api.core.v1.EndpointSubset', 'A group of addresses sharing the same ports.', {
  addresses: listOf(endpointAddress, 'Ready addresses.'),
  notReadyAddresses: listOf(endpointAddress, 'Addresses not ready yet.'),
  ports: listOf(endpointPort, 'Ports of these addresses.'),
});

type Subset = { addresses?: { ip: string }[]; ports?: { port: number }[] };

/** "10.0.0.1:80,10.0.0.2:80 + 1 more..." as kubectl prints endpoints. */
function formatEndpoints(o: KObject): string {
  const all: string[] = [];
  for (const s of (o.subsets as Subset[] | undefined) ?? []) {
    for (const a of s.addresses ?? []) {
      if (!s.ports?.length) all.push(a.ip);
      for (const p of s.ports ?? []) all.push(`${a.ip}:${p.port}`);
    }
  }
  if (all.length === 0) return '<none>';
  return all.length > 3 ? `${all.slice(0, 3).join(',')} + ${all.length - 3} more...` : all.join(',');
}

export const endpoints: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  schema: kindSchema('io.k8s.api.core.v1.Endpoints', 'The addresses and ports behind a service.', {
    subsets: listOf(subset, 'Groups of addresses with their ports.'),
  }),
  printerColumns: [{ name: 'Endpoints', type: 'string', description: 'Addresses and ports.', cell: formatEndpoints }],
};

const sliceEndpoint = struct(
  'io.k8s.api.discovery.v1.Endpoint',
  'One backend of a service.',
  {
    addresses: setOfStrings("The endpoint's addresses (1 to 100)."),
    conditions: struct('io.k8s.api.discovery.v1.EndpointConditions', "The endpoint's state.", {
      ready: bool('Ready to receive traffic.'),
      serving: bool('Serving, even while terminating.'),
      terminating: bool('Being terminated.'),
    }),
    hostname: str('Hostname of the endpoint.'),
    targetRef: objectReference,
    deprecatedTopology: stringMap('Deprecated topology labels.'),
    nodeName: str('Node hosting the endpoint.'),
    zone: str('Zone of the endpoint.'),
    hints: struct('io.k8s.api.discovery.v1.EndpointHints', 'Routing hints.', {
      forZones: listOf(struct('io.k8s.api.discovery.v1.ForZone', 'A zone.', { name: str() }, { required: ['name'] })),
      forNodes: listOf(struct('io.k8s.api.discovery.v1.ForNode', 'A node.', { name: str() }, { required: ['name'] })),
    }),
  },
  { required: ['addresses'] },
);

function setOfStrings(d: string) {
  return { ...listOf(str(), d), listType: 'set' as const };
}

const slicePort = struct(
  'io.k8s.api.discovery.v1.EndpointPort',
  "A port of the slice's endpoints.",
  {
    name: str('Name of the port.'),
    protocol: enumOf(['TCP', 'UDP', 'SCTP'], 'IP protocol.'),
    port: int32('Port number.'),
    appProtocol: str('Application protocol hint.'),
  },
  { mapType: 'atomic' },
);

type Slice = { addressType?: string; endpoints?: { addresses?: string[] }[]; ports?: { port?: number; protocol?: string }[] };

export const endpointSlice: KindDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  schema: kindSchema(
    'io.k8s.api.discovery.v1.EndpointSlice',
    'A slice of the endpoints behind a service.',
    {
      addressType: enumOf(['IPv4', 'IPv6', 'FQDN'], 'Kind of addresses in this slice.'),
      endpoints: listOf(sliceEndpoint, 'The endpoints (up to 1000).'),
      ports: listOf(slicePort, 'Ports of all endpoints in the slice.'),
    },
    { required: ['addressType', 'endpoints'] },
  ),
  printerColumns: [
    { name: 'AddressType', type: 'string', cell: (o) => (o as Slice).addressType ?? '' },
    { name: 'Ports', type: 'string', cell: (o) => ((o as Slice).ports ?? []).map((p) => String(p.port ?? '')).join(',') || '<unset>' },
    {
      name: 'Endpoints',
      type: 'string',
      cell: (o) => {
        const a = ((o as Slice).endpoints ?? []).flatMap((e) => e.addresses ?? []);
        return a.length === 0 ? '<unset>' : a.length > 3 ? `${a.slice(0, 3).join(',')} + ${a.length - 3} more...` : a.join(',');
      },
    },
  ],
  validate: (o) => {
    const errs: FieldError[] = [];
    const eps = (o as Slice).endpoints ?? [];
    if (eps.length > 1000) errs.push(fieldErr.tooLong('endpoints', 1000));
    eps.forEach((e, i) => {
      const n = e.addresses?.length ?? 0;
      if (n < 1 || n > 100) errs.push(fieldErr.invalid(`endpoints[${i}].addresses`, n, 'must have between 1 and 100 addresses'));
    });
    return errs;
  },
};

export { mapList };
