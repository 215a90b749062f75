// The parts of a Service's spec that decide what it is allocated, shared by the kind's update rule
// (service-update.ts) and the API server's allocators.

export type ServicePort = { name?: string; port?: number; protocol?: string; nodePort?: number };
export type ServiceSpec = {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: ServicePort[];
  allocateLoadBalancerNodePorts?: boolean;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
};

export const isHeadless = (s: ServiceSpec) => s.clusterIP === 'None';
export const needsClusterIP = (s: ServiceSpec) => s.type !== 'ExternalName';
export const needsNodePorts = (s: ServiceSpec) => s.type === 'NodePort' || (s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts !== false);
/** A LoadBalancer that keeps client IPs gets a node port for its health checks (served by every node's proxy). */
export const needsHealthCheckNodePort = (s: ServiceSpec) => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
