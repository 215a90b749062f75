// storage.k8s.io/v1 CSINode: the CSI drivers installed on a node (named after the node), with the
// node's id in each driver and the topology keys it reports. Written by node agents.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { int32, listOf, mapList, str, struct } from '../../schema.js';
import { deepEqual } from '../../../util/equal.js';
import { checkQualifiedName, isObj, objects } from '../workloads/checks.js';
import { checkCSIDriverName } from './csi-names.js';

const NODE_ID_MAX = 192;
const NODE_ID_MAX_LONG = 256;

const csiNodeDriver = struct(
  'io.k8s.api.storage.v1.CSINodeDriver',
  'A CSI driver on the node.',
  {
    name: str('The CSI driver, as in its CSIDriver object.'),
    nodeID: str('The node as the driver knows it.'),
    topologyKeys: listOf(str(), 'Node label keys the driver reports topology with.'),
    allocatable: struct('io.k8s.api.storage.v1.VolumeNodeResources', 'Volume limits of the driver on the node.', { count: int32('Most volumes of this driver the node can use.') }),
  },
  { documentedRequired: ['name', 'nodeID'] },
);

type Driver = { name?: string; nodeID?: string; topologyKeys?: unknown; allocatable?: { count?: number } };
const driversOf = (o: KObject): Driver[] => (isObj(o.spec) ? objects((o.spec as { drivers?: unknown }).drivers) : []) as Driver[];

function validateDriver(d: Driver, p: string, allowLongNodeID: boolean): FieldError[] {
  const errs = checkCSIDriverName(`${p}.name`, typeof d.name === 'string' ? d.name : '');
  const nodeID = typeof d.nodeID === 'string' ? d.nodeID : '';
  if (nodeID === '') errs.push(fieldErr.required(`${p}.nodeID`));
  const max = allowLongNodeID ? NODE_ID_MAX_LONG : NODE_ID_MAX;
  if (nodeID.length > max) errs.push(fieldErr.invalid(`${p}.nodeID`, nodeID, `must be ${max} characters or less`));
  if (typeof d.allocatable?.count === 'number' && d.allocatable.count < 0) errs.push(fieldErr.invalid(`${p}.allocatable.count`, d.allocatable.count, 'must be greater than or equal to 0'));
  const keys = new Set<string>();
  for (const k of Array.isArray(d.topologyKeys) ? d.topologyKeys : []) {
    const key = typeof k === 'string' ? k : '';
    if (key === '') errs.push(fieldErr.required(p));
    if (keys.has(key)) errs.push(fieldErr.duplicate(p, key));
    keys.add(key);
    errs.push(...checkQualifiedName(p, key));
  }
  return errs;
}

export function validateCSINode(o: KObject, old?: KObject): FieldError[] {
  // A node id that was already too long may stay (Kubernetes' AllowLongNodeID on update).
  const allowLong = !!old && driversOf(old).some((d) => (d.nodeID ?? '').length > NODE_ID_MAX);
  const errs: FieldError[] = [];
  driversOf(o).forEach((d, i) => {
    errs.push(...validateDriver(d, `spec.drivers[${i}]`, allowLong));
  });
  if (old) {
    // By name (a map, not a scan per driver: the lists come from clients).
    const before = new Map(driversOf(old).map((d) => [d.name, d]));
    for (const now of driversOf(o)) {
      const was = before.get(now.name);
      if (was && !deepEqual(was, now)) errs.push(fieldErr.invalid('CSINodeDriver', now, 'field is immutable'));
    }
  }
  return errs;
}

export const csiNode: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'CSINode',
  plural: 'csinodes',
  singular: 'csinode',
  namespaced: false,
  schema: {
    ...kindSchema('io.k8s.api.storage.v1.CSINode', 'The CSI drivers installed on a node; named after the node. Cluster-scoped.', {
      spec: struct('io.k8s.api.storage.v1.CSINodeSpec', 'The drivers on the node.', { drivers: mapList(csiNodeDriver, 'name', 'The CSI drivers on the node.') }, { documentedRequired: ['drivers'] }),
    }),
    // spec is a Go struct in Kubernetes: absent, it is empty.
    documentedRequired: ['spec'],
  },
  printerColumns: [{ name: 'Drivers', type: 'integer', description: 'How many CSI drivers the node has.', cell: (o) => driversOf(o).length }],
  default: (o) => {
    if (!isObj(o.spec)) o.spec = {};
  },
  validate: validateCSINode,
};
