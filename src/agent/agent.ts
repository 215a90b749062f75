// The node agent (gifee's kubelet): registers the Node, runs the pods bound to it as runc
// containers on CNI networking, and serves logs/exec/port-forward to the API server. It talks to
// the rest of the cluster only through the API, so it runs the same embedded in `gifee server` as
// on another machine as `gifee agent`.

import { UserNsRanges } from './security/userns-ranges.js';
import { cachedRuntimeClassLookup } from './runtime/runtime-class.js';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EventRecorder } from '../client/events.js';
import { R } from '../client/resources.js';
import { isNotFound, RestClient, type ClientConfig, type ResourceRef } from '../client/rest.js';
import { leaseClient } from '../client/lease-client.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Logger } from '../util/log.js';
import { createImageStore } from './images/store.js';
import { ImageGcManager } from './images/gc.js';
import { DEFAULT_IMAGE_GC_POLICY, type ImageGcPolicy } from './images/gc-plan.js';
import { scanImportDir } from './images/import-dir.js';
import { CniNetwork } from './network/cni.js';
import { startRouteController } from './network/routes.js';
import { startNetworkPolicyEnforcer } from './network-policy/enforcer.js';
import { NodeDns, gatewayOf } from '../dns/node-dns.js';
import { startServiceProxy, startUserspaceProxy, proxyTableName } from '../proxy/index.js';
import { NodeRegistration } from './node/registration.js';
import { PodManager } from './pods/manager.js';
import { RuncRuntime } from './runtime/runc.js';
import { ProcessRuntime } from './runtime/process.js';
import type { Runtime } from './runtime/types.js';
import { startStreamServer, type StreamServerLimits } from './streams/server.js';
import { StreamAuth } from './streams/auth.js';
import { apiAccessReviews } from './streams/access-reviews.js';
import { PodStreamTarget } from './streams/pod-target.js';
import type { VolumeSources } from './volumes/volumes.js';
import { VOLUME_ATTACHMENTS } from './volumes/storage-resources.js';
import { serviceEnvVars, type RefResolver } from './pods/container-config.js';
import { EvictionManager } from './eviction/manager.js';
import { lowestSettableOomScoreAdj } from './node/oom-protect.js';
import { LinuxStats } from './eviction/linux-stats.js';
import { StatsCollector } from './stats/collector.js';
import { agentStatsEndpoints } from './stats/endpoints.js';
import { conditionEventReason } from './eviction/pressure.js';
import { admissionRefusal } from './eviction/admission.js';
import { startNodeVolumeExtras } from './volumes/node-volume-extras.js';
import { startAgentStorageSidecars } from '../storage/agent-sidecars.js';
import { DEFAULT_EVICTION_HARD, parseEvictionThresholds, type PressureCondition, type Threshold } from './eviction/thresholds.js';
import { pluginRegistryDir } from '../csi/paths.js';
import type { CsiRegistry } from '../csi/types.js';
import { CsiNodeInfo } from './csi/csinode.js';
import { PluginWatcher } from './csi/plugin-watcher.js';
import { serveDriver } from '../csi/registration.js';
import { which } from '../util/which.js';
import { ensureSharedMount } from './runtime/mount-propagation.js';
import { readKubeletDirRecord, writeKubeletDirRecord } from './csi/kubelet-dir-record.js';
import { createLocalDriver } from '../csi/local-driver/index.js';
import { startIngressController, type IngressController } from './ingress/controller.js';
import { formatIngressListening, NODE_INGRESS_ANNOTATION } from '../api/ingress-class.js';

/** The kubelet's --eviction-pressure-transition-period default. */
const DEFAULT_PRESSURE_TRANSITION_MS = 5 * 60_000;

export interface AgentOptions {
  client: ClientConfig;
  /** Informers shared with the control plane in this process (`gifee server`): same identity, one watch per resource. */
  informers?: InformerFactory;
  dataDir: string;
  nodeName?: string;
  nodeIP: string;
  /** Port of the agent's HTTPS stream server (kubelet's 10250). 0 picks a free one. */
  port: number;
  /** The agent's serving certificate, the CA whose client certificates it accepts, and the only user such a certificate may name (the API server's kubelet client). */
  tls: { cert: string; key: string; clientCA: string; clientUsers: string[] };
  /** Bridge device for this node's pods. */
  bridge?: string;
  clusterDomain?: string;
  /** Pods' nameserver: unset = this agent's own DNS server on the pod gateway; an IP; or "none". */
  clusterDNS?: string;
  restartBackoffMs?: number;
  labels?: Record<string, string>;
  /** The cluster's pod and service networks, for the service proxy's masquerade and refuse rules (optional). */
  clusterCIDR?: string;
  serviceCIDR?: string;
  /** runc (default as root) or process (no isolation; the default without root). */
  runtime?: 'runc' | 'process';
  /** Each pod's PID limit (--pod-max-pids); unset = unlimited. */
  podMaxPids?: number;
  /** Hard eviction thresholds (--eviction-hard, already parsed); unset = the kubelet's defaults. */
  evictionHard?: Threshold[];
  /** How long a pressure condition stays True after its last crossing (--eviction-pressure-transition-period). */
  evictionTransitionMs?: number;
  /** Soft thresholds with their grace periods (--eviction-soft, --eviction-soft-grace-period); none by default. */
  evictionSoft?: Threshold[];
  /** The most grace a soft eviction gives a pod (--eviction-max-pod-grace-period; 0: the pod's own). */
  evictionMaxPodGraceSeconds?: number;
  /** Image garbage collection (--image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age). */
  imageGc?: ImageGcPolicy;
  /** The node Lease's duration in seconds (--node-lease-duration-seconds; default 40), renewed every quarter of it. */
  nodeLeaseSeconds?: number;
  /** Base of the CSI paths (registry, driver sockets, staging, publish targets): --kubelet-dir; default DATA/agent. */
  kubeletDir?: string;
  /** The ingress controller's listeners (docs/ingress.md); unset: no ingress controller on this node. */
  ingress?: { httpPort?: number; httpsPort?: number; bindAddress?: string };
  /** Limits of the HTTPS port (--kubelet-max-connections...); unset ones are DEFAULT_STREAM_LIMITS. */
  streamLimits?: Partial<StreamServerLimits>;
  log: Logger;
}

export interface Agent {
  nodeName: string;
  port: number;
  /** The ingress controller's ports (undefined: off). */
  ingress?: { httpPort?: number; httpsPort?: number };
  /** The CSI drivers registered on this node (through plugins_registry/, built-in and third-party alike). */
  csi: CsiRegistry;
  stop(): Promise<void>;
  /** Switch the agent's port to a renewed serving certificate without a restart. */
  setServingCertificate(cert: string, key: string): void;
  /** Check the API server's client certificate against a new CA bundle (a CA rotation) from the next connection on. */
  setClientCA(ca: string): void;
}

export async function startAgent(o: AgentOptions): Promise<Agent> {
  const log = o.log;
  const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
  const runtimeName = o.runtime ?? (isRoot ? 'runc' : 'process');
  if (runtimeName === 'runc') {
    if (!isRoot) throw new Error('the runc runtime needs Linux and root: run as root, or pass --runtime process (no isolation), or --no-agent');
    await preflight();
  }
  const nodeName = (o.nodeName ?? hostname()).toLowerCase();
  await mkdir(o.dataDir, { recursive: true });
  const client = o.informers?.client ?? new RestClient({ ...o.client, userAgent: `gifee-agent/${nodeName}` });
  // DNS, the service proxy, routes and node registration read the same caches (the pod manager
  // watches only this node's pods, a separate selector).
  const informers = o.informers ?? new InformerFactory(client, log.child({ part: 'informers' }));
  const recorder = new EventRecorder(client, 'kubelet', log.child({ part: 'events' }), nodeName);
  const images = createImageStore({ dataDir: o.dataDir, log: log.child({ part: 'images' }) });
  const imported = await scanImportDir(images).catch((e) => {
    log.warn('image import directory scan failed', { err: e });
    return [];
  });
  if (imported.length) log.info('imported images from the import directory', { count: imported.length });
  const runtime: Runtime = runtimeName === 'runc' ? new RuncRuntime(join(o.dataDir, 'agent'), log.child({ part: 'runtime' })) : new ProcessRuntime(join(o.dataDir, 'agent'), log.child({ part: 'runtime' }));
  if (runtime.capabilities.isolation) log.info('container runtime: runc (namespaces, cgroups, overlayfs)');
  else log.warn('container runtime: process. Containers run as PLAIN HOST PROCESSES WITHOUT ISOLATION: no namespaces, no resource limits, no volumes, the host network (pod IP = node IP). Use runc (as root) for real containers.');
  const network = new CniNetwork({ dataDir: join(o.dataDir, 'agent'), bridge: o.bridge ?? 'gifee0', log: log.child({ part: 'cni' }) });

  const get = async (r: ResourceRef, ns: string | undefined, name: string) => {
    try {
      return await client.get(r, ns, name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  };
  const sources: VolumeSources = {
    configMap: async (ns: string, name: string) => {
      const cm = await get(R.configmaps, ns, name);
      return cm ? ({ data: (cm.data ?? {}) as Record<string, string>, binaryData: (cm.binaryData ?? {}) as Record<string, string> } as never) : undefined;
    },
    secret: async (ns, name) => {
      const s = await get(R.secrets, ns, name);
      return s ? ((s.data ?? {}) as Record<string, string>) : undefined;
    },
    persistentVolumeClaim: async (ns, name) => (await get(R.persistentvolumeclaims, ns, name)) as never,
    persistentVolume: async (name) => (await get(R.persistentvolumes, undefined, name)) as never,
    csiDriver: async (name) => (await get(R.csidrivers, undefined, name)) as never,
    volumeAttachment: async (name) => (await get(VOLUME_ATTACHMENTS, undefined, name)) as never,
    // TokenRequest with the pod as bound object: the token dies with the pod.
    serviceAccountToken: async (ns, sa, req) => {
      const body = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: req.audience ? [req.audience] : [], expirationSeconds: req.expirationSeconds, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: req.pod.name, uid: req.pod.uid } } };
      const r = await client.request<{ status?: { token?: string; expirationTimestamp?: string } }>('POST', `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, body);
      if (!r.status?.token) throw new Error('the API server answered the TokenRequest without a token');
      return { token: r.status.token, expirationTimestamp: r.status.expirationTimestamp ?? '' };
    },
  };
  const envRefs: RefResolver = {
    configMapData: async (ns, name) => {
      const cm = await get(R.configmaps, ns, name);
      return cm ? ((cm.data ?? {}) as Record<string, string>) : undefined;
    },
    secretData: async (ns, name) => {
      const s = await get(R.secrets, ns, name);
      if (!s) return undefined;
      return Object.fromEntries(Object.entries((s.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    },
    // The kubernetes Service's variables go to every container, whatever its namespace (as the kubelet's master service).
    serviceEnv: async () => serviceEnvVars(((await get(R.services, 'default', 'kubernetes')) ?? {}) as never),
  };

  // Cluster DNS on this node's pod gateway (NodeLocal-DNS style), unless a cluster DNS address is given.
  // The process runtime has no pod bridge: its pods use the host's resolvers.
  // clusterDNS "none": no cluster DNS at all, pods use the host's resolvers.
  const dnsSettings: { clusterDomain: string; clusterDNS?: string } = { clusterDomain: o.clusterDomain ?? 'cluster.local', clusterDNS: o.clusterDNS === 'none' ? undefined : o.clusterDNS };
  const nodeDns = o.clusterDNS || !runtime.capabilities.podNetwork ? undefined : new NodeDns({ client, informers, bridge: o.bridge ?? 'gifee0', clusterDomain: dnsSettings.clusterDomain, log: log.child({ part: 'dns' }) });

  // Node heartbeats must not wait for a socket behind the agent's watches, or a busy agent looks dead.
  const heartbeats = leaseClient(client.config);
  const registration = new NodeRegistration(
    client,
    {
      informers,
      nodeName,
      nodeIP: o.nodeIP,
      port: o.port,
      dataDir: o.dataDir,
      runtime: runtime.name,
      labels: o.labels,
      leaseSeconds: o.nodeLeaseSeconds,
      onPodCIDR: (cidr) => {
        network.setPodCIDR(cidr);
        if (nodeDns) {
          dnsSettings.clusterDNS = cidr ? gatewayOf(cidr) : undefined;
          void nodeDns.setPodCIDR(cidr);
        }
      },
    },
    log.child({ part: 'node' }),
    heartbeats,
  );

  // CSI drivers announce themselves in the registry directory, as to the kubelet; the watcher
  // connects them, keeps the node's CSINode, and is the registry CSI volumes are mounted through.
  const csiDir = o.kubeletDir ?? join(o.dataDir, 'agent');
  // A shared mount, as the kubelet makes /var/lib/kubelet: CSI driver pods mount it Bidirectional and
  // their mounts (staging, publish targets) must reach the host.
  if (runtime.capabilities.isolation) {
    await mkdir(csiDir, { recursive: true });
    const shared = await ensureSharedMount(csiDir).catch((e) => log.warn(`could not make ${csiDir} a shared mount: CSI driver pods' mounts will not reach the host`, { err: e }));
    // Outside the data dir, `gifee reset` must be told where the CSI mounts are (a restarted agent finds its own bind mount already there).
    const prev = await readKubeletDirRecord(o.dataDir);
    const record = o.kubeletDir ? { path: o.kubeletDir, boundByAgent: !!shared?.bound || (prev?.path === o.kubeletDir && prev.boundByAgent) } : undefined;
    await writeKubeletDirRecord(o.dataDir, record).catch((e) => log.warn('could not record --kubelet-dir for gifee reset', { err: e }));
  }
  const csiLog = log.child({ part: 'csi' });
  const csiNodeInfo = new CsiNodeInfo(client, nodeName, csiLog);
  const csi = new PluginWatcher({ registryDir: pluginRegistryDir(csiDir), nodeInfo: csiNodeInfo, log: csiLog });

  const cap = await registration.capacity();
  // Without CAP_SYS_RESOURCE (a sandbox, a user namespace) no container may go below our own score.
  const oomScoreAdjFloor = runtime.capabilities.oomScoreAdj ? await lowestSettableOomScoreAdj() : -1000;
  if (oomScoreAdjFloor > -1000) log.warn(`no CAP_SYS_RESOURCE: containers' oom_score_adj cannot go below ${oomScoreAdjFloor}, so Guaranteed and Burstable pods are less protected from the OOM killer than the kubelet would make them`, { oomScoreAdjFloor });
  const pods = new PodManager(
    {
      nodeName,
      hostIP: o.nodeIP,
      dataDir: join(o.dataDir, 'agent'),
      runtime,
      network,
      images,
      client,
      recorder,
      log: log.child({ part: 'pods' }),
      dns: dnsSettings, // the same object: workers read clusterDNS when they write resolv.conf
      sources: { ...sources, ...envRefs },
      nodeCapacity: { cpu: Number(cap.cpu), memory: Number(cap.memory.replace('Ki', '')) * 1024 },
      restartBackoffMs: o.restartBackoffMs ?? 10_000,
      podMaxPids: o.podMaxPids,
      oomScoreAdjFloor,
      runtimeClasses: cachedRuntimeClassLookup(client),
      csi,
      csiDir,
      // Pods with hostUsers: false: runc only (the process runtime has no namespaces).
      ...(runtime.name === 'runc' ? { userNsRanges: new UserNsRanges({ file: join(o.dataDir, 'agent', 'userns-ranges.json') }) } : {}),
    },
    log.child({ part: 'pods' }),
    informers,
  );
  if (o.podMaxPids !== undefined && !runtime.capabilities.cgroups) log.warn('--pod-max-pids is not enforced by the process runtime (no cgroups)', { podMaxPids: o.podMaxPids });

  // As the kubelet's webhook mode: callers authenticated by certificate or TokenReview, paths authorized by SubjectAccessReview.
  const auth = new StreamAuth({ nodeName, certUsers: o.tls.clientUsers, reviews: apiAccessReviews(client) });
  // The kubelet's /stats/summary, /metrics/resource and /metrics/cadvisor, from the pods' cgroups and the node's /proc.
  const statsCollector = new StatsCollector({ nodeName, pods: () => pods.statsTargets(), cgroupParent: 'gifee', processFallback: !runtime.capabilities.cgroups, nodefsPath: o.dataDir, imagefsPath: join(o.dataDir, 'images') });
  const stats = agentStatsEndpoints(statsCollector, log.child({ part: 'stats' }));
  const streams = await startStreamServer({ host: '0.0.0.0', port: o.port, tls: o.tls, limits: o.streamLimits, auth, target: new PodStreamTarget(pods, runtime), stats, log: log.child({ part: 'streams' }) });
  registration.setPort(streams.port);
  await registration.register();
  // The controller-side CSI sidecars (provisioner, deleter, resizer, attacher) for this node's drivers
  // that ask for them, as their own service account (a token bound to this Node), never as the node.
  const storageSidecars = startAgentStorageSidecars({ nodeClient: client, server: o.client.server, ca: o.client.ca, nodeName, registry: csi, log: log.child({ part: 'storage-sidecars' }) });
  // The ingress controller, as its own service account too. A port another process holds is a warning, not a failed agent.
  let ingress: IngressController | undefined;
  if (o.ingress) {
    ingress = await startIngressController({ nodeClient: client, server: o.client.server, ca: o.client.ca ?? '', nodeName, ...o.ingress, log: log.child({ part: 'ingress' }) }).catch((e) => {
      log.warn('the ingress controller could not listen; this node serves no Ingresses', { err: e, ...o.ingress });
      return undefined;
    });
  }
  // Whether (and where) this node serves Ingresses, for the ingress-status controller to publish its address.
  const listening = ingress ? formatIngressListening({ httpPort: ingress.httpPort, httpsPort: ingress.httpsPort, bindAddress: o.ingress?.bindAddress }) : '';
  await client.patch(R.nodes, undefined, nodeName, { metadata: { annotations: { [NODE_INGRESS_ANNOTATION]: listening || null } } }, 'merge').catch((e) => log.warn('could not record on the Node whether its ingress controller listens', { err: e }));
  // Other nodes' pod CIDRs routed via their node IPs (host-gw), so pods reach pods on every node.
  // The process runtime's pods use the host network: nothing to route.
  const routes = runtime.capabilities.podNetwork ? startRouteController({ client, informers, nodeName, dataDir: o.dataDir, bridge: o.bridge, log: log.child({ part: 'routes' }) }) : undefined;
  // NetworkPolicies for this node's pods, in nftables (pods on the host network, as the process
  // runtime's, are outside policies).
  const netpol = runtime.capabilities.podNetwork ? startNetworkPolicyEnforcer({ client, informers, nodeName, bridge: o.bridge, log: log.child({ part: 'network-policy' }) }) : undefined;
  // Services' virtual IPs on this node: nftables with real containers, a userspace proxy otherwise.
  const proxy = runtime.capabilities.podNetwork
    ? await startServiceProxy({ client, informers, nodeName, nodeIPs: [o.nodeIP], tableName: proxyTableName(o.bridge), clusterCIDR: o.clusterCIDR, serviceCIDRs: o.serviceCIDR ? [o.serviceCIDR] : undefined, log: log.child({ part: 'proxy' }) })
    : await startUserspaceProxy({ client, informers, nodeName, log: log.child({ part: 'proxy' }) });
  // New pods are admitted against the pressure the eviction manager last reported.
  let pressureNow = new Set<PressureCondition>();
  pods.setAdmission((pod) => admissionRefusal(pod, pressureNow));
  // Before the pods: those with CSI volumes find their drivers registered (or wait for them).
  await csiNodeInfo.ensure().catch((e) => csiLog.warn("creating the node's CSINode failed; it is created with the first driver", { err: e }));
  // gifee's own CSI driver (the default StorageClass `local`), served on its plugin socket and
  // registered like any third-party driver. It needs root (loop devices, mounts): runc only.
  const localDriver = runtime.capabilities.isolation ? await serveDriver(createLocalDriver({ dataDir: o.dataDir, nodeName, agentDir: csiDir, log: log.child({ part: 'local-csi' }) }), { agentDir: csiDir }) : undefined;
  await csi.start();
  await pods.start();
  await mkdir(join(o.dataDir, 'images'), { recursive: true }); // statfs'd for imagefs before the first image arrives
  // Unused images removed when the image store's filesystem fills, and first under disk pressure.
  const nodeRef = { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName, uid: nodeName } } as never;
  const imageGc = new ImageGcManager({
    store: images,
    policy: o.imageGc ?? DEFAULT_IMAGE_GC_POLICY,
    referencesInUse: () => pods.imageReferencesInUse(),
    warn: (reason, message) => recorder.record(nodeRef, 'Warning', reason, message),
    log: log.child({ part: 'image-gc' }),
  });
  imageGc.start();
  // Pressure conditions and evictions from the real machine: memory, the data dir's and image store's filesystems, PIDs.
  const eviction = new EvictionManager({
    thresholds: [...(o.evictionHard ?? parseEvictionThresholds(DEFAULT_EVICTION_HARD)), ...(o.evictionSoft ?? [])],
    maxPodGraceSeconds: o.evictionMaxPodGraceSeconds,
    transitionMs: o.evictionTransitionMs ?? DEFAULT_PRESSURE_TRANSITION_MS,
    stats: new LinuxStats({ nodefsPath: o.dataDir, imagefsPath: join(o.dataDir, 'images'), cgroupParent: 'gifee' }),
    pods: { activePods: () => pods.evictionCandidates(), evict: (uid, message, maxGraceSeconds) => pods.evict(uid, message, maxGraceSeconds), cleanedUp: (uid) => pods.evictionCleanedUp(uid) },
    reclaimDisk: () => imageGc.deleteUnusedImages(),
    onPressure: (inPressure) => {
      pressureNow = inPressure;
      void registration.setPressure(inPressure).then(
        (changed) => {
          for (const c of changed) recorder.record(nodeRef, 'Normal', conditionEventReason(c), `Node ${nodeName} status is now: ${conditionEventReason(c)}`);
        },
        (e) => log.warn("posting the node's pressure conditions failed", { err: e }),
      );
    },
    log: log.child({ part: 'eviction' }),
  });
  eviction.start();
  // Online node expansion of claims whose volume grew, and kubelet_volume_stats_* for /metrics.
  const volumeExtras = startNodeVolumeExtras({ nodeName, client, recorder, csi, pods: () => pods.activePods(), log });
  log.info('node agent ready', { node: nodeName, nodeIP: o.nodeIP, port: streams.port });
  return {
    nodeName,
    port: streams.port,
    ingress: ingress ? { httpPort: ingress.httpPort, httpsPort: ingress.httpsPort } : undefined,
    csi,
    setServingCertificate: (cert, key) => streams.setServingCertificate(cert, key),
    setClientCA: (ca) => streams.setClientCA(ca),
    stop: async () => {
      eviction.stop();
      imageGc.stop();
      volumeExtras.stop();
      await storageSidecars.stop();
      await ingress?.stop();
      registration.stop();
      pods.stop();
      runtime.release?.();
      await csi.stop();
      await localDriver?.close();
      await nodeDns?.stop();
      await proxy.stop();
      routes?.stop();
      netpol?.stop(); // its table stays: pods stay protected across an agent restart
      await streams.close();
      if (!o.informers) {
        informers.stop();
        client.close();
      }
      heartbeats.close();
    },
  };
}

/** The host tools the agent runs; a missing one is named with the package that provides it. */
async function preflight() {
  const { access } = await import('node:fs/promises');
  const onPath = async (cmd: string) => (await which(cmd)) !== undefined;
  const missing: string[] = [];
  for (const [cmd, pkg] of [
    ['runc', 'runc'],
    ['ip', 'iproute2'],
    ['nsenter', 'util-linux'],
    ['unshare', 'util-linux'],
    ['script', 'bsdutils'],
    ['busybox', 'busybox-static'],
  ] as const) {
    if (!(await onPath(cmd))) missing.push(`${cmd} (${pkg})`);
  }
  if (
    !(await access('/usr/lib/cni/bridge').then(
      () => true,
      () => false,
    ))
  )
    missing.push('/usr/lib/cni/bridge (containernetworking-plugins)');
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run \`bash scripts/setup.sh\` as root (or apt-get install them), or start with --no-agent`);
}
