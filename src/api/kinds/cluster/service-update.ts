// How a Service update treats allocated fields before it is validated, as Kubernetes does:
// - a client that omits clusterIP/clusterIPs or a nodePort (kubectl replace, apply of a manifest
//   without them) keeps the allocated values (patchAllocatedValues);
// - a type change that no longer needs them drops unchanged ones, so `type: ClusterIP` on a
//   NodePort service or `type: ExternalName` works without clearing fields (dropTypeDependentFields);
//   likewise the healthCheckNodePort when externalTrafficPolicy turns Cluster.

import type { KObject } from '../../kind.js';
import { needsClusterIP, needsHealthCheckNodePort, needsNodePorts, type ServiceSpec } from './service-spec.js';

const sameList = (a?: string[], b?: string[]) => (a ?? []).length === (b ?? []).length && (a ?? []).every((v, i) => v === b![i]);

export function prepareServiceUpdate(obj: KObject, old: KObject) {
  const s = (obj.spec ??= {}) as ServiceSpec;
  const o = (old.spec ?? {}) as ServiceSpec;
  if (needsClusterIP(o) && needsClusterIP(s)) {
    if (!s.clusterIP && o.clusterIP) s.clusterIP = o.clusterIP;
    if (!s.clusterIPs?.length && o.clusterIPs?.length && s.clusterIP === o.clusterIP) s.clusterIPs = [...o.clusterIPs];
  }
  if (needsNodePorts(o) && needsNodePorts(s)) {
    for (const p of s.ports ?? []) {
      if (p.nodePort) continue;
      const was = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (was?.nodePort) p.nodePort = was.nodePort;
    }
  }
  // The health check node port: kept when omitted, dropped (unchanged) when no longer needed.
  if (needsHealthCheckNodePort(o) && needsHealthCheckNodePort(s) && !s.healthCheckNodePort && o.healthCheckNodePort) s.healthCheckNodePort = o.healthCheckNodePort;
  if (needsHealthCheckNodePort(o) && !needsHealthCheckNodePort(s) && s.healthCheckNodePort === o.healthCheckNodePort) delete s.healthCheckNodePort;
  if (needsClusterIP(o) && !needsClusterIP(s) && s.clusterIP === o.clusterIP && sameList(s.clusterIPs, o.clusterIPs)) {
    delete s.clusterIP;
    delete s.clusterIPs;
  }
  if (needsNodePorts(o) && !needsNodePorts(s)) {
    for (const p of s.ports ?? []) {
      const was = (o.ports ?? []).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (p.nodePort && was?.nodePort === p.nodePort) delete p.nodePort;
    }
  }
}
