// The flags of `gifee up`, `gifee server` and `gifee agent`, declared once per group (see FlagSpec in
// args.ts): each command's parseArgs options and --help text are generated from the same tables, and
// the settings a command runs with are built from its parsed flags here, apart from main() (testable).

import { homedir } from 'node:os';
import { join } from 'node:path';
import { type FlagTable, helpOf, optionsOf, parseDuration, UsageError } from './args.js';
import { LIMIT_FLAG_TABLE, limitsOf } from './limit-flags.js';
import { OIDC_FLAG_TABLE, oidcOf } from './oidc-flags.js';
import { AUDIT_FLAG_TABLE, auditOf } from './audit-flags.js';
import { ENCRYPTION_FLAG_TABLE, encryptionConfigFileOf } from './encryption-flags.js';
import { POD_SECURITY_FLAG_TABLE, podSecurityConfigFileOf } from './pod-security-flags.js';
import { AUTHZ_FLAG_TABLE, authzOf } from './authz-flags.js';
import { AGGREGATOR_FLAG_TABLE, aggregatorOf } from './aggregator-flags.js';
import { NODE_PROTECTION_FLAG_TABLE, nodeProtectionOf } from './node-protection-flags.js';
import { CSI_FLAG_TABLE, csiSettingsOf } from './csi-flags.js';
import { INGRESS_FLAG_TABLE, ingressSettingsOf } from './ingress-flags.js';
import { STREAM_LIMIT_FLAG_TABLE, streamLimitsOf } from './stream-limit-flags.js';
import { SERVICE_ACCOUNT_FLAG_TABLE, serviceAccountSettingsOf } from './sa-flags.js';
import { defaultStorageClassOf, STORAGE_FLAG_TABLE } from './storage-flags.js';
import { AUTOSCALING_FLAG_TABLE, autoscalingOf } from './autoscaling-flags.js';
import { CERT_ROTATION_FLAG_TABLE, leafCertValidityOf } from './cert-rotation-flags.js';
import { LOG_FLAG_TABLE } from './log-flags.js';
import type { ServerConfig } from './server.js';
import { tunablesFromEnv } from './tunables.js';
import { SNAPSHOT_FLAG_TABLE, snapshotSettingsOf } from './snapshot-flags.js';
import { ETCD_FLAG_TABLE, managedEtcdOf } from './etcd/etcd-flags.js';

type Flags = Record<string, string | boolean | undefined>;

export const HELP_FLAG: FlagTable = { help: { type: 'boolean', short: 'h', help: 'this help' } };

/** Where `gifee up` keeps its state and kubeconfig (its defaults; `gifee server` requires --data-dir). */
const UP_LOCATION_FLAGS: FlagTable = {
  'data-dir': { type: 'string', value: 'DIR', help: 'state directory (default /var/lib/gifee as root, else ~/.local/share/gifee)' },
  kubeconfig: { type: 'string', value: 'FILE', help: "kubeconfig to merge into (default $KUBECONFIG's first file or ~/.kube/config)" },
};

const SERVER_LOCATION_FLAGS: FlagTable = {
  'data-dir': { type: 'string', value: 'DIR', help: 'where the store, PKI and state live (required)' },
  kubeconfig: { type: 'string', value: 'FILE', help: 'where to write the admin kubeconfig', default: 'DIR/kubeconfig' },
};

/** The control plane's flags, shared by `gifee up` and `gifee server`. */
export const SERVER_FLAG_TABLE: FlagTable = {
  port: { type: 'string', value: 'N', help: 'HTTPS port of the API server', default: '6443' },
  'bind-address': { type: 'string', value: 'ADDR', help: 'address to listen on', default: '0.0.0.0' },
  store: { type: 'string', value: 'sqlite|etcd', help: 'store backend', default: 'sqlite, embedded' },
  'etcd-endpoints': { type: 'string', value: 'URLS', help: 'comma-separated etcd client URLs (with --store etcd; a SQLite store in the data dir moves into an empty etcd first)' },
  'compaction-interval': { type: 'string', value: 'D', help: 'how often to compact store history (default 5m; 0 disables)' },
  'etcd-call-timeout': { type: 'string', value: 'D', help: "deadline of each etcd call (default 3s): a write stuck on a dead leader is\nlooked up and retried where safe, instead of waiting etcd's own 7 s out" },
  'no-controllers': { type: 'boolean', help: 'do not run the controllers in this process' },
  'no-agent': { type: 'boolean', help: 'do not run a node agent in this process' },
};

export const SERVICE_FLAG_TABLE: FlagTable = {
  'tls-san': { type: 'string', multiple: true, value: 'NAME', help: "an extra name or address for the API server's certificate (repeatable;\nthis machine's addresses are always included)" },
  'service-cidr': { type: 'string', value: 'CIDR', help: 'ClusterIPs of Services come from here; the kubernetes Service gets the first', default: '10.43.0.0/16' },
  'service-node-port-range': { type: 'string', value: 'R', help: 'node ports of NodePort Services', default: '30000-32767' },
  'cluster-cidr': { type: 'string', value: 'CIDR', help: 'pod network of the cluster; each node gets a /24 of it', default: '10.42.0.0/16' },
  'lb-ip-range': { type: 'string', value: 'RANGES', help: "LoadBalancer Services' addresses: IPv4 ranges A-B or CIDRs, comma-separated;\neach is announced by one node on its interface (default: the node IPs)" },
};

/** The node agent's flags: `gifee agent`, and the agent `gifee up` and `gifee server` embed. */
export const AGENT_FLAG_TABLE: FlagTable = {
  'node-name': { type: 'string', value: 'NAME', help: "this machine's node name", default: 'hostname' },
  'node-ip': { type: 'string', value: 'ADDR', help: 'address other nodes and the API server reach this node at', default: 'first non-loopback IPv4' },
  'kubelet-port': { type: 'string', value: 'N', help: "the node agent's HTTPS port for logs/exec/port-forward (default 10250; 0 picks one)" },
  bridge: { type: 'string', value: 'NAME', help: "bridge device for this node's pods", default: 'gifee0' },
  'cluster-dns': { type: 'string', value: 'IP|none', help: "pods' nameserver: default a DNS server the agent runs on its pod gateway;\nIP: an external cluster DNS; none: the host's resolvers" },
  runtime: { type: 'string', value: 'runc|process', help: 'runc: real containers (needs root; the default as root); process: plain\nhost processes without isolation (the default without root)' },
};

/** How `gifee agent` finds and joins its cluster. */
const JOIN_FLAG_TABLE: FlagTable = {
  server: { type: 'string', multiple: true, value: 'URL', help: 'an API server, e.g. https://10.0.0.1:6443 (required; repeatable or comma-separated:\nthe agent uses one and fails over to the others, and learns the rest\nfrom the kubernetes endpoints)' },
  'no-server-discovery': { type: 'boolean', help: "use only the --server URLs: do not learn the cluster's other servers\nfrom the kubernetes endpoints (e.g. when they advertise unreachable addresses)" },
  token: { type: 'string', value: 'T', help: "the join token from the server's DATA/node-token" },
  'token-file': { type: 'string', value: 'FILE', help: 'read the join token from a file' },
  'data-dir': { type: 'string', value: 'DIR', help: 'where images, containers and state live (default as for gifee up)' },
};

/** What `gifee up` and `gifee server` share: the control plane's flags and its embedded agent's. */
const CONTROL_PLANE_FLAGS: FlagTable[] = [
  SERVER_FLAG_TABLE,
  SERVICE_FLAG_TABLE,
  LIMIT_FLAG_TABLE,
  OIDC_FLAG_TABLE,
  AUDIT_FLAG_TABLE,
  ENCRYPTION_FLAG_TABLE,
  POD_SECURITY_FLAG_TABLE,
  SERVICE_ACCOUNT_FLAG_TABLE,
  AUTHZ_FLAG_TABLE,
  AGGREGATOR_FLAG_TABLE,
  AUTOSCALING_FLAG_TABLE,
  CERT_ROTATION_FLAG_TABLE,
  AGENT_FLAG_TABLE,
  NODE_PROTECTION_FLAG_TABLE,
  CSI_FLAG_TABLE,
  INGRESS_FLAG_TABLE,
  STREAM_LIMIT_FLAG_TABLE,
  STORAGE_FLAG_TABLE,
  SNAPSHOT_FLAG_TABLE,
];

/** Each command's flag tables, in --help order. */
export const COMMAND_FLAGS: Record<'up' | 'server' | 'agent', FlagTable[]> = {
  up: [UP_LOCATION_FLAGS, ...CONTROL_PLANE_FLAGS, LOG_FLAG_TABLE, HELP_FLAG],
  server: [SERVER_LOCATION_FLAGS, ETCD_FLAG_TABLE, ...CONTROL_PLANE_FLAGS, LOG_FLAG_TABLE, HELP_FLAG],
  agent: [JOIN_FLAG_TABLE, AGENT_FLAG_TABLE, NODE_PROTECTION_FLAG_TABLE, CSI_FLAG_TABLE, INGRESS_FLAG_TABLE, STREAM_LIMIT_FLAG_TABLE, LOG_FLAG_TABLE, HELP_FLAG],
};

const TITLES: Record<keyof typeof COMMAND_FLAGS, string> = {
  up: 'gifee up: set up and run a single-machine cluster, merging its kubeconfig as context "gifee"',
  server: 'gifee server: run the API server (and controllers) of a cluster',
  agent: 'gifee agent: join a cluster as a worker node (runs pods with runc; needs root)',
};

export function optionsOfCommand(command: keyof typeof COMMAND_FLAGS) {
  return optionsOf(...COMMAND_FLAGS[command]);
}

export function helpOfCommand(command: keyof typeof COMMAND_FLAGS): string {
  return `${TITLES[command]}\n\nFlags:\n${helpOf(...COMMAND_FLAGS[command])}`;
}

/** --tls-san NAME (repeatable, or comma-separated). */
function tlsSANsOf(f: Record<string, unknown>): string[] {
  const v = f['tls-san'];
  const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  return list
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
}

export function runtimeOf(v: string | boolean | undefined): 'runc' | 'process' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'runc' && v !== 'process') throw new UsageError(`--runtime must be runc or process, not "${String(v)}"`);
  return v;
}

export function port(v: string | boolean | undefined): number {
  if (v === undefined) return 6443;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a port number (0-65535), not "${String(v)}"`);
  return n;
}

/** The embedded agent's settings, or undefined with --no-agent. */
function agentOf(f: Flags) {
  if (f['no-agent']) return undefined;
  const kp = f['kubelet-port'] !== undefined ? port(f['kubelet-port']) : 10250;
  return {
    nodeName: f['node-name'] as string | undefined,
    nodeIP: f['node-ip'] as string | undefined,
    port: kp,
    bridge: f.bridge as string | undefined,
    runtime: runtimeOf(f.runtime),
    clusterDNS: f['cluster-dns'] as string | undefined,
    ...nodeProtectionOf(f),
    ...csiSettingsOf(f),
    ...ingressSettingsOf(f),
    ...streamLimitsOf(f),
  };
}

function storeOf(f: Flags) {
  const store = (f.store as string | undefined) ?? 'sqlite';
  if (store !== 'sqlite' && store !== 'etcd') throw new UsageError(`--store must be sqlite or etcd, not "${store}"`);
  const endpoints = ((f['etcd-endpoints'] as string | undefined) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (store === 'etcd' && endpoints.length === 0) throw new UsageError('--store etcd needs --etcd-endpoints http://127.0.0.1:2379[,...]');
  return { store: store as 'sqlite' | 'etcd', etcdEndpoints: endpoints };
}

/** --etcd-call-timeout: at least 100 ms (shorter would time out healthy writes). */
function etcdCallTimeoutOf(v: string): number {
  const ms = parseDuration(v, 'etcd-call-timeout');
  if (ms < 100) throw new UsageError(`--etcd-call-timeout must be at least 100ms, not "${v}"`);
  return ms;
}

export function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/gifee' : join(homedir(), '.local', 'share', 'gifee');
}

export function defaultKubeconfig(): string {
  const env = process.env.KUBECONFIG;
  if (env) return env.split(':').filter(Boolean)[0];
  return join(homedir(), '.kube', 'config');
}

/** The control plane's settings of `gifee up` or `gifee server` from its parsed flags (onReady aside). */
export function serverConfigOf(command: 'up' | 'server', f: Flags): ServerConfig {
  let dataDir = f['data-dir'] as string | undefined;
  if (command === 'server' && !dataDir) throw new UsageError('gifee server: --data-dir is required (or use `gifee up` for defaults)');
  dataDir ??= defaultDataDir();
  const tunables = tunablesFromEnv();
  return {
    dataDir,
    port: port(f.port),
    bindAddress: (f['bind-address'] as string | undefined) ?? '0.0.0.0',
    kubeconfig: (f.kubeconfig as string | undefined) ?? (command === 'up' ? defaultKubeconfig() : join(dataDir, 'kubeconfig')),
    mergeKubeconfig: command === 'up',
    controllers: !f['no-controllers'],
    compactionIntervalMs: f['compaction-interval'] !== undefined ? parseDuration(f['compaction-interval'] as string, 'compaction-interval') : tunables.compactionIntervalMs,
    ...(f['etcd-call-timeout'] !== undefined ? { etcdCallTimeoutMs: etcdCallTimeoutOf(f['etcd-call-timeout'] as string) } : {}),
    tunables,
    clusterCIDR: f['cluster-cidr'] as string | undefined,
    lbIPRange: f['lb-ip-range'] as string | undefined,
    serviceCIDR: f['service-cidr'] as string | undefined,
    serviceNodePortRange: f['service-node-port-range'] as string | undefined,
    tlsSANs: tlsSANsOf(f),
    limits: limitsOf(f),
    oidc: oidcOf(f),
    audit: auditOf(f),
    encryptionProviderConfig: encryptionConfigFileOf(f),
    podSecurityAdmissionConfig: podSecurityConfigFileOf(f),
    serviceAccounts: serviceAccountSettingsOf(f),
    authz: authzOf(f),
    aggregator: aggregatorOf(f),
    autoscaling: autoscalingOf(f),
    leafCertValidityMs: leafCertValidityOf(f),
    agent: agentOf(f),
    defaultStorageClass: defaultStorageClassOf(f),
    snapshots: snapshotSettingsOf(f),
    inProcessComponents: process.env.GIFEE_IN_PROCESS_COMPONENTS === '1',
    ...storeOf(f),
    managedEtcd: command === 'server' ? managedEtcdOf(f) : undefined,
  };
}
