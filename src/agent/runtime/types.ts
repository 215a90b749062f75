// The container runtime contract (docs/architecture.md): what the pod workers ask of a runtime. `runc`
// runs real isolated containers; `process` runs plain host processes where root is not available.

import type { ExecOptions, ExecSession } from '../streams/target.js';

export interface SandboxConfig {
  podUid: string;
  hostname: string;
  /** The pod's directory (state, generated files). */
  dir: string;
  /** A network namespace the network layer created (absent with hostNetwork). */
  netnsPath?: string;
  hostNetwork?: boolean;
  /** Most processes (threads included) all of the pod's containers may have together; unset = no limit. */
  pidsLimit?: number;
  /** hostUsers: false: the pod's user namespace (already made, runtime/userns.ts) and its host id range; the uts and ipc namespaces are made inside it. */
  userNs?: PodUserNs;
}

export interface PodUserNs {
  /** The file the pod's user namespace is bound to. */
  path: string;
  /** The first host uid/gid of the pod's range (container id 0) and its size. */
  hostId: number;
  size: number;
}

export interface Sandbox {
  podUid: string;
  dir: string;
  netnsPath?: string;
  hostNetwork?: boolean;
  utsPath?: string;
  ipcPath?: string;
  userNs?: PodUserNs;
}

export interface Mount {
  source: string;
  destination: string;
  readOnly?: boolean;
  /** bind (default) or tmpfs. */
  type?: 'bind' | 'tmpfs';
  /**
   * A volumeMount's mountPropagation: None → rprivate (default), HostToContainer → rslave (mounts
   * made on the host under the source appear in the container), Bidirectional → rshared (and mounts
   * the container makes appear on the host: CSI drivers' node plugins).
   */
  propagation?: 'rprivate' | 'rslave' | 'rshared';
}

export interface Resources {
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  memoryLimit?: number;
  pidsLimit?: number;
}

export interface ContainerConfig {
  /** Runtime-wide unique id: "<pod uid prefix>-<container>-<restart>". */
  id: string;
  podUid: string;
  name: string;
  /** Image layer directories, lowest first (overlayfs lowerdirs). */
  layers: string[];
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids?: number[];
  tty: boolean;
  stdin: boolean;
  mounts: Mount[];
  resources: Resources;
  privileged: boolean;
  readOnlyRootfs: boolean;
  capAdd: string[];
  capDrop: string[];
  /** Where the agent writes this instance's log (CRI format). */
  logPath: string;
  /** The kernel OOM killer's bias for this container (-1000..1000), from the pod's QoS class. */
  oomScoreAdj?: number;
  /** What the pod's securityContext resolved to (security/container-security.ts); absent: the runtime's defaults. */
  security?: SecuritySettings;
  /** Raw block volumes (volumeDevices): device nodes created in the container and allowed in its device cgroup. */
  devices?: ContainerDevice[];
}

/** A host device given to a container at path (a volumeDevices entry's devicePath), with the cgroup access it gets ("rw", or "r" for a read-only volume). */
export interface ContainerDevice {
  path: string;
  type: 'b' | 'c';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
  access: 'rw' | 'r';
}

/** A container's isolation, decided by the agent from the pod and the host; the runtime applies it as is. */
export interface SecuritySettings {
  /** Bounding, effective and permitted set. */
  capabilities: string[];
  noNewPrivileges: boolean;
  /** OCI linux.seccomp; absent: no filter (Unconfined). */
  seccomp?: object;
  maskedPaths: string[];
  readonlyPaths: string[];
  /** Namespaced sysctls, set in the container's (pod's) namespaces. */
  sysctls: Record<string, string>;
  /** Share the host's PID / IPC namespace instead of the container's own / the pod's. */
  hostPID: boolean;
  hostIPC: boolean;
  /** Host device nodes created in the container (privileged). */
  devices: { path: string; type: 'c' | 'b'; major: number; minor: number; fileMode: number; uid: number; gid: number }[];
}

export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerInfo {
  id: string;
  podUid: string;
  name: string;
  state: RuntimeState;
  pid?: number;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  /** The kernel killed it for exceeding its memory limit. */
  oomKilled?: boolean;
  /** Why it could not start (runc's error), when it did not. */
  startError?: string;
  logPath: string;
}

/** What a runtime can do; callers ask this rather than the runtime's name. */
export interface RuntimeCapabilities {
  /** Containers are isolated (namespaces, capabilities, seccomp, users): a pod's securityContext is enforced. */
  isolation: boolean;
  /** Each pod gets its own network namespace on the node's pod bridge; false: pods use the host's network (pod IP = node IP). */
  podNetwork: boolean;
  /** Resource limits through cgroups (CPU, memory, the pod's pids limit). */
  cgroups: boolean;
  /** Each container's oom_score_adj is set (from the pod's QoS class). */
  oomScoreAdj: boolean;
}

/** A ContainerInfo a runtime hands out is the container's live record: its later states (running, exited) show in the same object. */
export interface Runtime {
  /** For logs and the node's reported runtime; decide behaviour by capabilities. */
  readonly name: 'runc' | 'process';
  readonly capabilities: RuntimeCapabilities;
  /** Namespaces shared by a pod's containers (uts, ipc; the network one comes from the network layer). */
  createSandbox(cfg: SandboxConfig): Promise<Sandbox>;
  removeSandbox(sandbox: Sandbox): Promise<void>;
  /** Prepare a container (rootfs, bundle); does not start it. */
  createContainer(sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo>;
  /** Start it; resolves once it runs (or has failed to start). */
  start(id: string): Promise<ContainerInfo>;
  /** SIGTERM, then SIGKILL after graceSeconds; resolves when it has exited. */
  stop(id: string, graceSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  status(id: string): ContainerInfo | undefined;
  /** Containers this runtime knows, including those found on disk after an agent restart. */
  list(): ContainerInfo[];
  /** Resolves when the container exits (at once if it has). */
  waitExit(id: string): Promise<ContainerInfo>;
  exec(id: string, command: string[], opts: ExecOptions): Promise<ExecSession>;
  /** The container's own stdio: output from now on, stdin if the container was created with stdin. */
  attach(id: string, opts: ExecOptions): Promise<ExecSession>;
  /** Re-read containers left by a previous agent run; keep the running ones. */
  recover(): Promise<void>;
  /** The agent is stopping and its containers keep running: release the handles that would keep the process alive. */
  release?(): void;
  /** The directory holding a container's writes to its root filesystem (its ephemeral-storage use), if it has one. */
  writableLayer?(id: string): string | undefined;
}
