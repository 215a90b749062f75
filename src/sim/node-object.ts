// What a simulated node looks like to the cluster: a Node with capacity, the labels a kubelet sets,
// addresses and a Ready status, like a real node agent registers, plus the node Lease it heartbeats.

import type { KObject } from '../api/kind.js';

export interface SimNodeShape {
  cpu: string;
  memory: string;
  pods: string;
  ephemeralStorage?: string;
}

export const SIM_MANAGED_BY = 'sim.gifee.dev/managed-by';
export const SIM_VERSION = 'v1.32.0-gifee-sim';

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** A node's InternalIP from its index: 172.16.0.0/12 holds a million simulated nodes. */
export function simNodeIP(index: number): string {
  const n = ((172 << 24) | (16 << 16)) + index + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function simNodeStatus(name: string, index: number, shape: SimNodeShape) {
  const t = now();
  const resources = { cpu: shape.cpu, memory: shape.memory, pods: shape.pods, 'ephemeral-storage': shape.ephemeralStorage ?? '100Gi' };
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: t, lastTransitionTime: t });
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'simulated node has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'simulated node has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'simulated node has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'simulated node is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: simNodeIP(index) },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: 'sim',
      osImage: 'gifee simulated node',
      containerRuntimeVersion: 'sim://0',
      kubeletVersion: SIM_VERSION,
      kubeProxyVersion: SIM_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

export function simNode(name: string, index: number, shape: SimNodeShape, owner: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', type: 'sim' },
      annotations: { [SIM_MANAGED_BY]: owner, 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {},
    status: simNodeStatus(name, index, shape),
  } as KObject;
}

/** The node's heartbeat Lease in kube-node-lease, owned by its Node so it goes with it. */
export function simNodeLease(name: string, nodeUid: string, durationSeconds: number): KObject {
  const t = new Date().toISOString().replace(/Z$/, '000Z');
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: nodeUid }] },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: t },
  } as KObject;
}
