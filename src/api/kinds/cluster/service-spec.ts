// The parts of a Service's spec that decide what it is allocated, shared by the kind's update rule
// (service-update.ts) and the API server's allocators.

export type ServicePort = { name?: string; port?: number; protocol?: string; nodePort?: number };
export type ServiceSpec = { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[]; allocateLoadBalancerNodePorts?: boolean; ipFamilies?: string[]; ipFamilyPolicy?: string };

export const isHeadless = (s: ServiceSpec) => s.clusterIP === 'None';
export const needsClusterIP = (s: ServiceSpec) => s.type !== 'ExternalName';
export const needsNodePorts = (s: ServiceSpec) => s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
