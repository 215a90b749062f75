// core/v1 Pod, typed once for every component: the API server's admission and subresources, the
// scheduler, the controllers, cluster DNS, the node agent and the simulated nodes. The fields carry
// Kubernetes' names. Objects arrive as JSON and may carry anything (an admission plugin sees a pod
// before validation), so the types are loose: a field is optional wherever the API lets it be
// missing, and readers keep their defensive checks. A component that reads a slice of the pod
// takes Pick<> of these types rather than declaring its own.

import type { KObject, ObjectMeta } from '../kind.js';
import type { NodeSelectorTerm } from '../scheduling/node-selector.js';
import type { Toleration } from '../scheduling/tolerations.js';
import type { LabelSelectorObject as LabelSelector } from '../labels.js';

/** Resource quantities by name (cpu, memory, ...): strings in the API, numbers tolerated from JSON. */
export type ResourceList = Record<string, string | number>;

export interface ObjectFieldSelector {
  apiVersion?: string;
  fieldPath: string;
}

export interface ResourceFieldSelector {
  containerName?: string;
  resource: string;
  divisor?: string;
}

export interface KeySelector {
  name: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: ObjectFieldSelector;
    resourceFieldRef?: ResourceFieldSelector;
    configMapKeyRef?: KeySelector;
    secretKeyRef?: KeySelector;
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface HTTPGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: string;
  httpHeaders?: { name: string; value: string }[];
}

export interface ExecAction {
  command?: string[];
}

export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}

export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  subPathExpr?: string;
  readOnly?: boolean;
  recursiveReadOnly?: string;
  mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional';
}

/** A raw block volume (a volumeMode Block claim) given to the container as a device node. */
export interface VolumeDevice {
  name: string;
  devicePath: string;
}

export interface SeccompProfile {
  type: string;
  localhostProfile?: string;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  procMount?: string;
  seccompProfile?: SeccompProfile;
  appArmorProfile?: SeccompProfile;
  seLinuxOptions?: Record<string, string>;
}

export interface Lifecycle {
  preStop?: { exec?: ExecAction; httpGet?: HTTPGetAction; sleep?: { seconds: number } };
  postStart?: { exec?: ExecAction; httpGet?: HTTPGetAction; sleep?: { seconds: number } };
}

export interface Container {
  name: string;
  /** Optional in the API (workload templates may leave it to config management); pods need one. */
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  volumeDevices?: VolumeDevice[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: Lifecycle;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  securityContext?: SecurityContext;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  /** Init containers only: Always makes a sidecar. */
  restartPolicy?: string;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface DownwardAPIVolumeFile {
  path: string;
  fieldRef?: ObjectFieldSelector;
  resourceFieldRef?: ResourceFieldSelector;
  mode?: number;
}

export interface ProjectedSource {
  configMap?: { name: string; items?: KeyToPath[]; optional?: boolean };
  secret?: { name: string; items?: KeyToPath[]; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[] };
  serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
  clusterTrustBundle?: Record<string, unknown>;
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path: string; type?: string };
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number; optional?: boolean };
  downwardAPI?: { items?: DownwardAPIVolumeFile[]; defaultMode?: number };
  projected?: { sources?: ProjectedSource[]; defaultMode?: number };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  /** A generic ephemeral volume: its claim <pod>-<volume> is made from the template by the ephemeral volume controller. */
  ephemeral?: { volumeClaimTemplate?: { metadata?: ObjectMeta; spec?: Record<string, unknown> } };
  /** An inline (ephemeral) CSI volume: made by the driver for this pod alone, gone with it. */
  csi?: { driver: string; readOnly?: boolean; fsType?: string; volumeAttributes?: Record<string, string>; nodePublishSecretRef?: { name?: string } };
  [source: string]: unknown;
}

export interface PodSecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  fsGroup?: number;
  fsGroupChangePolicy?: string;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: string;
  sysctls?: { name: string; value: string }[];
  seccompProfile?: SeccompProfile;
  appArmorProfile?: SeccompProfile;
  seLinuxOptions?: Record<string, string>;
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelector | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelector | null;
  topologyKey: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface PreferredSchedulingTerm {
  weight: number;
  preference: NodeSelectorTerm;
}

export interface Affinity {
  nodeAffinity?: {
    requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
    preferredDuringSchedulingIgnoredDuringExecution?: PreferredSchedulingTerm[];
  };
  podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] };
  podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] };
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelector | null;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

export interface PodSpec {
  /** Required by validation; optional here because templates, patches and admission see partial specs. */
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Volume[];
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  schedulerName?: string;
  /** Resolved from priorityClassName at admission; the scheduler's preemption and the eviction ranking read it. */
  priority?: number;
  priorityClassName?: string;
  preemptionPolicy?: string;
  affinity?: Affinity;
  tolerations?: Toleration[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  schedulingGates?: { name: string }[];
  /** RuntimeClass (node.k8s.io) whose handler runs the pod; set to null by clients that clear it. */
  runtimeClassName?: string | null;
  /** The RuntimeClass's pod overhead, set at admission. */
  overhead?: ResourceList | null;
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  terminationGracePeriodSeconds?: number;
  activeDeadlineSeconds?: number;
  hostname?: string;
  subdomain?: string;
  setHostnameAsFQDN?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  hostUsers?: boolean;
  shareProcessNamespace?: boolean;
  dnsPolicy?: string;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
  hostAliases?: { ip: string; hostnames: string[] }[];
  securityContext?: PodSecurityContext;
  serviceAccountName?: string;
  /** The deprecated alias of serviceAccountName. */
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  imagePullSecrets?: { name: string }[];
  readinessGates?: { conditionType: string }[];
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; containerID?: string };
}

export interface ContainerStatus {
  name: string;
  /** Always present in what the API serves (an empty object when unknown). */
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  nominatedNodeName?: string;
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  qosClass?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses?: ContainerStatus[];
  ephemeralContainerStatuses?: ContainerStatus[];
}

export interface Pod extends KObject {
  spec?: PodSpec;
  status?: PodStatus;
}

/** A container of a created pod: validation requires its image. */
export type StoredContainer = Container & { image: string };

/**
 * A pod as the API server serves it once created: named, in a namespace, with a uid, and a spec
 * whose containers have images. What a component that only ever reads stored pods (the node agent)
 * may rely on.
 */
export interface StoredPod extends Pod {
  metadata: ObjectMeta & { name: string; namespace: string; uid: string };
  spec: Omit<PodSpec, 'containers' | 'initContainers'> & { containers: StoredContainer[]; initContainers?: StoredContainer[] };
}

export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec?: PodSpec;
}
