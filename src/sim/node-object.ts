// What a simulated node looks like to the cluster: a Node with capacity, the labels a kubelet sets,
// addresses and a Ready status, like a real node agent registers, plus the node Lease it heartbeats.
// Its only address is loopback and its kubelet port is the `gifee sim` process's own endpoint
// (kubelet-endpoint.ts), and it carries the simulated-node label, so that nothing ever dials, routes
// or sends traffic to an address off this machine on its behalf (src/api/simulated-nodes.ts).

import { rfc3339, rfc3339Micro } from '../util/time.js';
import type { KObject } from '../api/kind.js';
import { SIMULATED_NODE_IP, SIMULATED_NODE_LABEL } from '../api/simulated-nodes.js';
import { LABEL_ARCH, LABEL_ARCH_BETA, LABEL_HOSTNAME, LABEL_OS, LABEL_OS_BETA } from '../api/well-known.js';

export interface SimNodeShape {
  cpu: string;
  memory: string;
  pods: string;
  ephemeralStorage?: string;
}

export const SIM_MANAGED_BY = 'sim.gifee.dev/managed-by';
export const SIM_VERSION = 'v1.32.0-gifee-sim';

const now = () => rfc3339();

export function simNodeStatus(name: string, shape: SimNodeShape, kubeletPort: number) {
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
      { type: 'InternalIP', address: SIMULATED_NODE_IP },
      { type: 'Hostname', address: name },
    ],
    // One endpoint for every simulated node of the process: it tells them apart by the TLS server
    // name the API server sends (the node's name).
    daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
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

export function simNode(name: string, shape: SimNodeShape, owner: string, kubeletPort: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { [LABEL_HOSTNAME]: name, [LABEL_OS]: 'linux', [LABEL_ARCH]: 'amd64', [LABEL_OS_BETA]: 'linux', [LABEL_ARCH_BETA]: 'amd64', type: 'sim', [SIMULATED_NODE_LABEL]: 'true' },
      annotations: { [SIM_MANAGED_BY]: owner, 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: {},
    status: simNodeStatus(name, shape, kubeletPort),
  } as KObject;
}

/** The node's heartbeat Lease in kube-node-lease, owned by its Node so it goes with it. */
export function simNodeLease(name: string, nodeUid: string, durationSeconds: number): KObject {
  const t = rfc3339Micro();
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: nodeUid }] },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: t },
  } as KObject;
}
