// core/v1 Node: a machine that runs pods, registered by its node agent.

import type { Node, NodeSpec } from '../../core/index.js';
import type { KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, enumOf, int32, int64, listOf, mapList, mapOf, quantity, setOf, str, struct, time } from '../../schema.js';
import { age as ageOf } from '../../table.js';

const taint = struct(
  'io.k8s.api.core.v1.Taint',
  'Repels pods that do not tolerate it.',
  {
    key: str('The taint key.'),
    value: str('The taint value.'),
    effect: enumOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], 'What happens to pods that do not tolerate it.'),
    timeAdded: time('When a NoExecute taint was added.'),
  },
  { required: ['key', 'effect'] },
);

const nodeCondition = struct(
  'io.k8s.api.core.v1.NodeCondition',
  "One aspect of a node's state.",
  {
    type: str('Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable.'),
    status: enumOf(['True', 'False', 'Unknown'], 'Status of the condition.'),
    lastHeartbeatTime: time('Last time the condition was probed.'),
    lastTransitionTime: time('Last time the condition changed.'),
    reason: str('Why it is so.'),
    message: str('Details.'),
  },
  { required: ['type', 'status'] },
);

const resourceList = (d: string) => mapOf(quantity(), d);

type NodeObj = Node;

function nodeStatus(o: NodeObj): string {
  const ready = o.status?.conditions?.find((c) => c.type === 'Ready');
  let s = ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown';
  if (o.spec?.unschedulable) s += ',SchedulingDisabled';
  return s;
}

function roles(o: KObject): string {
  const r = Object.keys(o.metadata?.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length))
    .filter(Boolean);
  const kr = o.metadata?.labels?.['kubernetes.io/role'];
  if (kr) r.push(kr);
  return r.length ? r.sort().join(',') : '<none>';
}

const addr = (o: NodeObj, t: string) => o.status?.addresses?.find((a) => a.type === t)?.address ?? '<none>';

export const node: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  schema: kindSchema('io.k8s.api.core.v1.Node', 'A machine that runs pods.', {
    spec: struct('io.k8s.api.core.v1.NodeSpec', 'How the node is set up.', {
      podCIDR: str("IP range for this node's pods."),
      podCIDRs: setOf(str(), "IP ranges for this node's pods (one per family)."),
      providerID: str('ID of the node in its cloud.'),
      unschedulable: bool('No new pods are scheduled here (cordoned).'),
      taints: listOf(taint, 'Taints of the node.'),
      configSource: struct('io.k8s.api.core.v1.NodeConfigSource', 'Deprecated dynamic config source.', {}, { preserveUnknownFields: true }),
      externalID: str('Deprecated.'),
    }),
    status: struct('io.k8s.api.core.v1.NodeStatus', 'The observed state of a node.', {
      capacity: resourceList('Total resources of the node.'),
      allocatable: resourceList('Resources available to pods.'),
      phase: str('Deprecated.'),
      conditions: mapList(nodeCondition, 'type', "Latest observations of the node's state."),
      addresses: mapList(struct('io.k8s.api.core.v1.NodeAddress', 'An address of the node.', { type: str('Hostname, InternalIP, ExternalIP...'), address: str('The address.') }, { required: ['type', 'address'] }), 'type', 'Addresses of the node.'),
      daemonEndpoints: struct('io.k8s.api.core.v1.NodeDaemonEndpoints', 'Ports of daemons on the node.', {
        kubeletEndpoint: struct('io.k8s.api.core.v1.DaemonEndpoint', 'A daemon port.', { Port: int32('Port number.') }, { required: ['Port'] }),
      }),
      nodeInfo: struct('io.k8s.api.core.v1.NodeSystemInfo', 'Versions and IDs of the node.', {
        machineID: str(),
        systemUUID: str(),
        bootID: str(),
        kernelVersion: str(),
        osImage: str(),
        containerRuntimeVersion: str(),
        kubeletVersion: str(),
        kubeProxyVersion: str(),
        operatingSystem: str(),
        architecture: str(),
      }),
      images: listOf(struct('io.k8s.api.core.v1.ContainerImage', 'An image on the node.', { names: listOf(str()), sizeBytes: int64() }), 'Images on the node.'),
      volumesInUse: listOf(str(), 'Volumes attached and mounted.'),
      volumesAttached: listOf(struct('io.k8s.api.core.v1.AttachedVolume', 'An attached volume.', { name: str(), devicePath: str() }, { required: ['name', 'devicePath'] })),
      config: struct('io.k8s.api.core.v1.NodeConfigStatus', 'Deprecated.', {}, { preserveUnknownFields: true }),
      runtimeHandlers: listOf(struct('io.k8s.api.core.v1.NodeRuntimeHandler', 'A runtime handler.', { name: str(), features: struct('io.k8s.api.core.v1.NodeRuntimeHandlerFeatures', 'Features.', { recursiveReadOnlyMounts: bool(), userNamespaces: bool() }) })),
      features: struct('io.k8s.api.core.v1.NodeFeatures', 'Features of the node.', { supplementalGroupsPolicy: bool() }),
    }),
  }),
  subresources: { status: true, other: ['proxy'] },
  printerColumns: [
    { name: 'Status', type: 'string', description: 'Readiness.', cell: (o) => nodeStatus(o as NodeObj) },
    { name: 'Roles', type: 'string', description: 'Node roles.', cell: roles },
    { name: 'Age', type: 'string', cell: (o) => ageOf(o.metadata?.creationTimestamp) },
    { name: 'Version', type: 'string', description: 'Agent version.', cell: (o) => (o as NodeObj).status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (o) => addr(o as NodeObj, 'InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, cell: (o) => addr(o as NodeObj, 'ExternalIP') },
    { name: 'OS-Image', type: 'string', priority: 1, cell: (o) => (o as NodeObj).status?.nodeInfo?.osImage ?? '<unknown>' },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: (o) => (o as NodeObj).status?.nodeInfo?.kernelVersion ?? '<unknown>' },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: (o) => (o as NodeObj).status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>' },
  ],
  fieldSelectors: { 'spec.unschedulable': (o) => String(!!(o as NodeObj).spec?.unschedulable) },
  // Kubernetes' node strategy warns about its two dead fields on create and update.
  warnings: (o) => {
    const spec = (o.spec ?? {}) as NodeSpec;
    return [...(spec.configSource !== undefined && spec.configSource !== null ? ['spec.configSource: the feature is removed'] : []), ...(spec.externalID ? ['spec.externalID: this field is deprecated, and is unused by Kubernetes'] : [])];
  },
};
