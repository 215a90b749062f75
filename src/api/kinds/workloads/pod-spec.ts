// PodSpec: everything a pod (or a workload's pod template) asks for. The big parts live beside it:
// container.ts, volumes.ts, affinity.ts, security.ts, probes.ts.

import { objectMeta } from '../../meta.js';
import { bool, enumOf, int32, int64, listOf, mapList, str, stringMap, struct } from '../../schema.js';
import { affinity, toleration, topologySpreadConstraints } from './affinity.js';
import { container, ephemeralContainer } from './container.js';
import { coreName as core, localObjectReference, resourceList, resourceRequirements } from './refs.js';
import { podSecurityContext } from './security.js';
import { volume } from './volumes.js';

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

export const hostAlias = struct(
  core('HostAlias'),
  'An extra /etc/hosts entry.',
  {
    ip: str('IP address of the entry.'),
    hostnames: listOf(str(), 'Host names for the IP.'),
  },
  { required: ['ip'] },
);

export const podDNSConfigOption = struct(core('PodDNSConfigOption'), 'A resolver option, e.g. ndots:2.', {
  name: str('Option name.'),
  value: str('Option value.'),
});

export const podDNSConfig = struct(core('PodDNSConfig'), 'DNS settings merged into what dnsPolicy generates.', {
  nameservers: listOf(str(), 'Extra name server IPs.'),
  searches: listOf(str(), 'Extra search domains.'),
  options: listOf(podDNSConfigOption, "Resolver options; these override the policy's."),
});

export const podReadinessGate = struct(
  core('PodReadinessGate'),
  'A pod condition that must be True for the pod to be ready.',
  {
    conditionType: str('Type of the pod condition.'),
  },
  { required: ['conditionType'] },
);

export const podSchedulingGate = struct(
  core('PodSchedulingGate'),
  'A gate that holds the pod back from scheduling until it is removed.',
  {
    name: str('Gate name, unique in the pod.'),
  },
  { required: ['name'] },
);

export const podResourceClaim = struct(
  core('PodResourceClaim'),
  'A dynamically allocated resource the pod uses; exactly one source is set.',
  {
    name: str('Name containers use to refer to this claim.'),
    resourceClaimName: str("An existing ResourceClaim in the pod's namespace."),
    resourceClaimTemplateName: str('A ResourceClaimTemplate to create a claim from, owned by the pod.'),
  },
  { required: ['name'] },
);

export const podOS = struct(
  core('PodOS'),
  "The operating system the pod's containers need.",
  {
    name: str('linux or windows.'),
  },
  { required: ['name'] },
);

export const podSpec = struct(
  core('PodSpec'),
  'The desired behaviour of a pod.',
  {
    volumes: mapList(volume, 'name', 'Volumes containers of the pod can mount.', ['name'], { patchStrategy: 'merge,retainKeys' }),
    initContainers: mapList(container, 'name', 'Containers run in order, each to completion, before the app containers (restartPolicy Always makes a sidecar).'),
    containers: mapList(container, 'name', 'The app containers; at least one.'),
    ephemeralContainers: mapList(ephemeralContainer, 'name', 'Debug containers added through the ephemeralcontainers subresource.'),
    restartPolicy: enumOf(RESTART_POLICIES, 'When containers are restarted: Always, OnFailure or Never.', { default: 'Always' }),
    terminationGracePeriodSeconds: int64('Seconds between the stop signal and the kill; 0 kills at once.', { default: 30 }),
    activeDeadlineSeconds: int64('Seconds the pod may run (since startTime) before it is failed.'),
    dnsPolicy: enumOf(DNS_POLICIES, "How the pod's resolv.conf is built.", { default: 'ClusterFirst' }),
    nodeSelector: stringMap('Labels a node must have for the pod to be scheduled there.'),
    serviceAccountName: str('ServiceAccount the pod runs as.'),
    serviceAccount: str('Deprecated alias of serviceAccountName.'),
    automountServiceAccountToken: bool('Whether the service account token is mounted.'),
    nodeName: str('Node the pod is bound to; set by the scheduler (or by hand to bypass it).'),
    hostNetwork: bool("Use the node's network namespace."),
    hostPID: bool("Use the node's PID namespace."),
    hostIPC: bool("Use the node's IPC namespace."),
    shareProcessNamespace: bool("Share one PID namespace among the pod's containers."),
    securityContext: { ...podSecurityContext, default: {} },
    imagePullSecrets: mapList(localObjectReference, 'name', 'Secrets with registry credentials for pulling the images.', undefined, { duplicateKeys: 'allowed' }),
    hostname: str('Host name of the pod; the pod name by default.'),
    subdomain: str("Subdomain: the pod's FQDN becomes <hostname>.<subdomain>.<namespace>.svc.<cluster domain>."),
    affinity: affinity,
    schedulerName: str('Scheduler that places the pod.', { default: 'default-scheduler' }),
    tolerations: listOf(toleration, 'Taints the pod tolerates.'),
    hostAliases: mapList(hostAlias, 'ip', 'Extra /etc/hosts entries.', undefined, { duplicateKeys: 'allowed' }),
    priorityClassName: str("PriorityClass giving the pod's priority."),
    priority: int32('Priority value, filled from priorityClassName by admission.'),
    dnsConfig: podDNSConfig,
    readinessGates: listOf(podReadinessGate, 'Extra conditions that must be True for readiness.'),
    runtimeClassName: str('RuntimeClass (node.k8s.io) to run the pod with.'),
    enableServiceLinks: bool('Inject Docker-link style environment variables for Services.'),
    preemptionPolicy: enumOf(['PreemptLowerPriority', 'Never'], 'Whether the pod may preempt lower-priority pods.'),
    overhead: resourceList('Resources the runtime uses for the pod itself, set from the RuntimeClass.'),
    topologySpreadConstraints: topologySpreadConstraints,
    setHostnameAsFQDN: bool("Set the kernel host name to the pod's FQDN."),
    os: podOS,
    hostUsers: bool("Use the node's user namespace (true by default); false isolates users."),
    schedulingGates: mapList(podSchedulingGate, 'name', 'Gates that keep the pod unscheduled while present; they can only be removed.'),
    resourceClaims: mapList(podResourceClaim, 'name', 'Dynamically allocated resources (DRA) for the pod.', ['name'], { patchStrategy: 'merge,retainKeys' }),
    resources: resourceRequirements,
  },
  { required: ['containers'] },
);

export const podTemplateSpec = struct(core('PodTemplateSpec'), 'The pods a workload creates: their metadata and spec.', {
  metadata: objectMeta,
  spec: podSpec,
});
