// `gifee server` and `gifee up`: PKI, kubeconfig, store, API server and controllers in one process,
// ready in well under a second on the embedded store, shut down cleanly on SIGINT/SIGTERM.

import { logger, type Logger } from '../util/log.js';
import { join } from 'node:path';
import { UsageError } from './args.js';
import type { NodeProtection } from './node-protection-flags.js';
import { armForcedExit } from './forced-exit.js';
import { Startup, StartupAborted } from './startup.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from './sa-flags.js';

/** From a stop signal to exit, at most: past it the process is killed (see forced-exit.ts). */
const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ServerConfig {
  dataDir: string;
  port: number;
  bindAddress: string;
  kubeconfig: string;
  mergeKubeconfig: boolean;
  store: 'sqlite' | 'etcd';
  etcdEndpoints: string[];
  /** A managed etcd member as the store (--cluster-init, or a data dir that has one); see etcd/managed-etcd.ts. */
  managedEtcd?: import('./etcd/managed-etcd.js').ManagedEtcdSettings;
  controllers: boolean;
  /** Run the controllers and scheduler in this process instead of a supervised child (GIFEE_IN_PROCESS_COMPONENTS=1). */
  inProcessComponents?: boolean;
  compactionIntervalMs?: number;
  /** Deadline of each etcd call of the store (--etcd-call-timeout; store/etcd/store.ts). */
  etcdCallTimeoutMs?: number;
  /** Extra names and addresses for the API server's certificate (--tls-san). */
  tlsSANs?: string[];
  /** Cluster pod CIDR the node IPAM controller carves /24s from (default 10.42.0.0/16). */
  clusterCIDR?: string;
  /** LoadBalancer Services' address pool (--lb-ip-range); unset: they get the node IPs. */
  lbIPRange?: string;
  /** Service ClusterIP range (default 10.43.0.0/16) and node port range (default 30000-32767). */
  serviceCIDR?: string;
  serviceNodePortRange?: string;
  /** Run a node agent in this process (gifee up; gifee server unless --no-agent). */
  agent?: { nodeName?: string; nodeIP?: string; port: number; bridge?: string; runtime?: 'runc' | 'process'; clusterDNS?: string } & NodeProtection & import('./csi-flags.js').CsiSettings & import('./ingress-flags.js').IngressSettings & import('./stream-limit-flags.js').StreamLimitSettings;
  /** The API server's timeouts and caps on clients (flags in limit-flags.ts). */
  limits?: Partial<import('../apiserver/limits/options.js').ApiServerLimits>;
  /** EncryptionConfiguration file (encryption-flags.ts); absent: DATA/pki/encryption-config.yaml, generated. */
  encryptionProviderConfig?: string;
  /** PodSecurityConfiguration file (pod-security-flags.ts); absent: enforce baseline, warn restricted, kube-system exempt. */
  podSecurityAdmissionConfig?: string;
  /** Service account token issuer and API audiences (flags in sa-flags.ts; default issuer https://kubernetes.default.svc.cluster.local). */
  serviceAccounts?: import('./sa-flags.js').ServiceAccountSettings;
  /** Timings from GIFEE_* variables (tunables.ts), handed to each component. */
  tunables?: import('./tunables.js').Tunables;
  /** OpenID Connect sign-in (flags in oidc-flags.ts). */
  oidc?: import('./oidc-flags.js').OidcConfig;
  /** The audit log (flags in audit-flags.ts). */
  audit?: import('./audit-flags.js').AuditConfig;
  /** Anonymous access and the authorization mode (flags in authz-flags.ts; default anonymous on, RBAC). */
  authz?: import('./authz-flags.js').AuthzSettings;
  /** API aggregation: requestheader and proxy client settings (flags in aggregator-flags.ts; default: the generated front-proxy PKI). */
  aggregator?: import('./aggregator-flags.js').AggregatorSettings;
  /** --metric-resolution and the HPA controller's --horizontal-pod-autoscaler-* flags (autoscaling-flags.ts). */
  autoscaling?: import('./autoscaling-flags.js').AutoscalingSettings;
  /** Create the default StorageClass `local` and the CSIDriver local.csi.gifee.dev when missing (default true; --no-default-storage-class). */
  defaultStorageClass?: boolean;
  /** --leaf-cert-validity: leaf certificates' validity, each renewed at 80% of it while running (default a year). */
  leafCertValidityMs?: number;
  /** Scheduled snapshots and --restore-from (snapshot-flags.ts); absent: none. */
  snapshots?: import('./snapshot-flags.js').SnapshotSettings;
  /** Called once serving, with the server URL and what started. */
  onReady?: (url: string, ready: { started: string[]; nodeName?: string; startupMs: number }) => void;
}

/** Runs until SIGINT/SIGTERM, then shuts down and exits the process. */
export async function runServer(cfg: ServerConfig): Promise<void> {
  const log = logger('gifee');
  const warn = (msg: string, fields: Record<string, unknown>) => log.warn(msg, fields);
  // What has started, to stop newest first if a later step fails, on a signal while starting, and on shutdown.
  const started = new Startup(warn);
  const interrupt = (signal: string) => () => {
    log.info('interrupted while starting; stopping what has started', { signal, started: started.names });
    // As on shutdown: the unwinding below cannot hang the process for good.
    armForcedExit(SHUTDOWN_TIMEOUT_MS);
    started.abort(signal);
  };
  const onSigint = interrupt('SIGINT');
  const onSigterm = interrupt('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  // A part that cannot go on (a managed etcd member removed from its cluster) stops the server: while
  // starting, the start-up is aborted; once serving, the server shuts down as on a signal, exit code 1.
  let stopServing: ((reason: string, exitCode: number) => void) | undefined;
  const fatal = (reason: string) => {
    if (stopServing) stopServing(reason, 1);
    else started.abort(reason);
  };
  try {
    await start(cfg, log, started, fatal);
  } catch (e) {
    await started.unwind();
    if (e instanceof StartupAborted) {
      log.info('stopped before it was ready', { reason: e.message });
      process.exit(0);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  }

  await new Promise<void>(() => {
    let stopping = false;
    const stop = async (signal: string, exitCode = 0) => {
      if (stopping) return;
      stopping = true;
      const began = performance.now();
      log.info('shutting down', exitCode === 0 ? { signal } : { reason: signal, exitCode });
      // Independent of this thread's event loop: fires even if a step below blocks it.
      armForcedExit(SHUTDOWN_TIMEOUT_MS);
      // The start-up's stack, newest first: in-process clients first (node agent and controllers
      // together), while the API server still answers them (leaders release their leases, so
      // standbys take over at once), then the API server (listener, watches, connections), then the
      // store. Each step is bounded so one slow part cannot eat the others' time.
      await started.unwind();
      log.info('shut down', { signal, ms: Math.round(performance.now() - began) });
      // Done: a client's leftover retry timer must not keep the process around until the watchdog.
      process.exit(exitCode);
    };
    stopServing = (reason, exitCode) => void stop(reason, exitCode);
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  });
}

/** Start every part in turn, each added to started as it comes up; returns once serving. */
async function start(cfg: ServerConfig, log: Logger, started: Startup, fatal: (reason: string) => void): Promise<void> {
  const startedAt = performance.now();
  // A data dir of a newer gifee is refused before anything is changed (its state may not be ours to read).
  const { checkDataDirVersion, stampDataDir } = await import('./data-dir-version.js');
  const { GIFEE_VERSION } = await import('../api/version.js');
  const command = cfg.mergeKubeconfig ? 'gifee up' : 'gifee server';
  await checkDataDirVersion(cfg.dataDir, GIFEE_VERSION, command);
  await (await import('./port-preflight.js')).ensurePortFree(cfg.bindAddress, cfg.port, command);
  // The control plane (and the embedded agent) outlive any pod in an OOM, as the kubelet does.
  const { protectFromOomKiller } = await import('../agent/node/oom-protect.js');
  await protectFromOomKiller(log);
  const [{ ensurePki }, { buildKubeconfig, writeKubeconfig }, { openStore }, { startApiServer }] = await Promise.all([import('./pki.js'), import('./kubeconfig.js'), import('../store/index.js'), import('../apiserver/server.js')]);
  const { serviceRanges } = await import('../apiserver/services/index.js');
  let kubernetesServiceIP: string;
  try {
    kubernetesServiceIP = serviceRanges({ serviceCIDR: cfg.serviceCIDR, nodePortRange: cfg.serviceNodePortRange }).ips.valueAt(0);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  // Before anything is written: the data dir 0700 and what it already holds 0600.
  const { secureDataDir, secureSecretFiles } = await import('./data-dir-perms.js');
  await secureDataDir(cfg.dataDir, log);
  await stampDataDir(cfg.dataDir, GIFEE_VERSION);
  // --restore-from: the data dir (store and PKI) comes back from the snapshot before anything reads it.
  if (cfg.snapshots?.restoreFrom) {
    if (cfg.store !== 'sqlite') throw new UsageError('--restore-from restores the embedded SQLite store; an etcd cluster is restored with etcdctl (gifee snapshot restore FILE --etcd-db-out F, see docs/backups.md)');
    const { restoreInto } = await import('./snapshot-restore.js');
    const meta = await restoreInto(cfg.snapshots.restoreFrom, cfg.dataDir, { store: 'sqlite', once: true });
    if (meta) log.info('restored the data dir from a snapshot', { file: cfg.snapshots.restoreFrom, revision: meta.revision, takenAt: meta.createdAt });
    else log.warn('--restore-from: this snapshot was already restored into this data dir; starting without restoring again (remove the flag)', { file: cfg.snapshots.restoreFrom });
  }
  // --cluster-reset --restore: the snapshot's identity comes back before the PKI is read (cluster-reset.ts).
  const reset = cfg.managedEtcd?.reset ? await (await import('./etcd/cluster-reset.js')).prepareClusterReset(cfg.dataDir, cfg.managedEtcd.reset, log) : undefined;
  // The server certificate covers this machine's addresses (workers join at them) and any --tls-san.
  const { machineIPv4Addresses } = await import('./machine-addresses.js');
  const localIPs = machineIPv4Addresses();
  // A managed etcd member listens on the bind address and advertises it (a wildcard: the node IP or this machine's first address).
  const wildcard = cfg.bindAddress === '0.0.0.0' || cfg.bindAddress === '::';
  const etcdAddresses = { listen: cfg.bindAddress, advertise: wildcard ? (cfg.agent?.nodeIP ?? localIPs[0] ?? '127.0.0.1') : cfg.bindAddress, nodeName: cfg.agent?.nodeName };
  // Joining a control plane: the cluster's CA and keys come from the first server before the PKI is made.
  if (cfg.managedEtcd?.join) {
    const [{ joinIfNew }, { clientUrlOf, peerUrlOf }] = await Promise.all([import('./etcd/join-client.js'), import('./etcd/args.js')]);
    const at = { advertiseAddress: etcdAddresses.advertise, clientPort: cfg.managedEtcd.clientPort, peerPort: cfg.managedEtcd.peerPort };
    await joinIfNew({ dataDir: cfg.dataDir, server: cfg.managedEtcd.join.server, tokenFile: cfg.managedEtcd.join.tokenFile, peerUrl: peerUrlOf(at), clientUrl: clientUrlOf(at), nodeName: cfg.agent?.nodeName, log });
  }
  // Pods reach it at the kubernetes Service's ClusterIP (in-cluster clients check that name).
  const pki = await ensurePki(cfg.dataDir, [cfg.bindAddress, kubernetesServiceIP, ...localIPs, ...(cfg.tlsSANs ?? [])]);
  const { ensureJoinToken } = await import('./join-token.js');
  const joinToken = await ensureJoinToken(cfg.dataDir, pki.trust);
  // Bad OIDC or audit settings stop the start-up before anything runs.
  const { oidcAuthenticators } = await import('./oidc-flags.js');
  const oidc = await oidcAuthenticators(cfg.oidc);
  const audit = cfg.audit ? await (await import('./audit-flags.js')).loadAudit(cfg.audit) : undefined;
  // Secrets encrypted at rest: the configuration is read (or generated) before the store opens.
  const { ensureEncryptionConfig } = await import('./encryption-flags.js');
  const encryption = await ensureEncryptionConfig(cfg.dataDir, cfg.encryptionProviderConfig);
  // Every API server of one etcd needs the same keys, as it needs the same PKI: copy DATA/pki/ to them.
  if (encryption.generated) log.info('generated a key that encrypts Secrets at rest', { file: encryption.file });
  const { loadPodSecurityConfig } = await import('./pod-security-flags.js');
  const podSecurity = await loadPodSecurityConfig(cfg.podSecurityAdmissionConfig);
  // Least privilege: the scheduler, the controller manager and the API server's kubelet client each
  // have an identity of their own (none in system:masters); the admin certificate is for people.
  const { componentCerts } = await import('./pki.js');
  const identities = await componentCerts(cfg.dataDir, pki.ca);
  const aggregation = await (await import('./aggregator-flags.js')).loadAggregation(cfg.dataDir, cfg.aggregator);
  started.check();
  // The store: SQLite, an external etcd (--etcd-endpoints), or this server's managed etcd member.
  let storeKind = cfg.store;
  let etcdEndpoints = cfg.etcdEndpoints;
  let etcdTls: import('../store/etcd/store.js').EtcdTls | undefined;
  // A managed member's store learns the other members and fails over to them while its own does not answer.
  let etcdDiscoverMembers = false;
  // The cluster's members, shared by the store, the join handler and scheduled snapshots (store/etcd/members.ts).
  let etcdMembers: import('../store/etcd/members.js').EtcdMembers | undefined;
  let serverJoin: import('../apiserver/server.js').ApiServerOptions['serverJoin'];
  const { existsSync } = await import('node:fs');
  if (cfg.managedEtcd && (cfg.managedEtcd.clusterInit || reset || existsSync(join(cfg.dataDir, 'etcd', 'member.json')))) {
    const [{ startManagedEtcd }, { ensureServerToken }, { serverJoinHandler }] = await Promise.all([import('./etcd/managed-etcd.js'), import('./etcd/server-token.js'), import('./etcd/join-handler.js')]);
    const managed = await startManagedEtcd(cfg.dataDir, cfg.managedEtcd, etcdAddresses, log, started, reset, fatal);
    storeKind = 'etcd';
    etcdEndpoints = managed.endpoints;
    etcdTls = managed.tls;
    etcdDiscoverMembers = true;
    const [{ EtcdMembers }, { recordClusterClientUrls }] = await Promise.all([import('../store/etcd/members.js'), import('./etcd/member-state.js')]);
    const storeLog = log.child({ component: 'store' });
    // The member list it reads is kept in member.json too: `gifee etcd` and `gifee snapshot` go through it while this member is down.
    const record = (urls: string[]) => void recordClusterClientUrls(cfg.dataDir, urls).catch((e: Error) => storeLog.warn("cannot record the etcd members in member.json; gifee etcd and gifee snapshot reach only this server's member while it is down", { err: e.message }));
    const members = new EtcdMembers(managed.endpoints, managed.tls, { ...(cfg.etcdCallTimeoutMs ? { callTimeoutMs: cfg.etcdCallTimeoutMs } : {}), discoverMembers: true, onEndpoints: record, log: storeLog });
    etcdMembers = members;
    // Closed after the store and the snapshot schedule (unwinding is newest first).
    started.add('etcd members', 1000, async () => members.close());
    // More servers join with DATA/server-token (every member can admit them: the secret travels with the PKI).
    const secret = await ensureServerToken(cfg.dataDir, pki.ca.cert);
    serverJoin = serverJoinHandler({ dataDir: cfg.dataDir, secret, members, log: log.child({ component: 'server-join' }) });
  }
  started.check();
  // A data dir that still holds a SQLite store moves into the (empty) etcd first — an external one
  // (--store etcd) or this server's new managed member (--cluster-init) — so the cluster it ran goes
  // on; an etcd that already holds another cluster stops the start-up, saying why and what to do.
  if (storeKind === 'etcd' && etcdEndpoints.length > 0) {
    const { migrateSqliteToEtcd } = await import('../store/migrate/sqlite-to-etcd.js');
    await migrateSqliteToEtcd({ dataDir: cfg.dataDir, etcdEndpoints, tls: etcdTls, log: log.child({ component: 'migration' }) }).catch((e: Error) => {
      throw new UsageError(`cannot move the SQLite store in ${cfg.dataDir} into etcd: ${e.message}`);
    });
    started.check();
  }
  const rawStore = await openStore({ backend: storeKind, dataDir: cfg.dataDir, etcdEndpoints, etcdTls, etcdCallTimeoutMs: cfg.etcdCallTimeoutMs, etcdDiscoverMembers, etcdMembers, log: log.child({ component: 'store' }) }).catch((e: Error) => {
    throw new UsageError(`cannot open the ${storeKind} store: ${e.message}`);
  });
  const { EncryptingStore } = await import('../store/encryption/encrypting-store.js');
  const store = new EncryptingStore(rawStore, encryption.transformer, log.child({ component: 'encryption' }));
  started.add('store', 2000, () => store.close());
  if (cfg.snapshots?.schedule) {
    const [{ startSnapshotSchedule }, { defaultSnapshotDir }] = await Promise.all([import('../store/snapshot/schedule.js'), import('../store/snapshot/names.js')]);
    const dir = cfg.snapshots.dir ?? defaultSnapshotDir(cfg.dataDir);
    // The store's members: a snapshot comes from whichever member it is using (docs/ha.md).
    const etcd = storeKind === 'etcd' ? (etcdMembers ?? (rawStore as import('../store/etcd/store.js').EtcdStore).members) : undefined;
    const schedule = startSnapshotSchedule({ schedule: cfg.snapshots.schedule, retention: cfg.snapshots.retention, dir, store: storeKind, dataDir: cfg.dataDir, etcd, log: log.child({ component: 'snapshots' }) });
    // Stopped before the store closes; a snapshot being written is finished first.
    started.add('snapshot schedule', 5000, () => schedule.stop());
  }
  // SQLite created state.db (and -wal/-shm) with the umask's mode: restrict them too.
  await secureSecretFiles(cfg.dataDir, log);
  // Component processes this server supervises (controllers and scheduler; the node agent), by name.
  const children = new Map<string, import('./supervisor.js').Supervisor>();
  const supervised = async (name: string, role: import('./components.js').ComponentRole, step: string) => {
    const { Supervisor } = await import('./supervisor.js');
    const child = new Supervisor({ name, command: '__components', config: role, log });
    // Stopped on unwinding even while still starting (stop() kills a child not yet ready).
    started.add(step, 4000, () => child.stop(3500), { group: 'clients' });
    await started.race(child.start());
    children.set(name, child);
    return child;
  };
  // Where the rotation loop sends renewed component and agent certificates (see certs/server-leaves.ts).
  let componentsLeaves: import('./certs/server-leaves.js').Updatable<import('./components.js').ComponentsConfig> | undefined;
  let agentLeaves: import('./certs/server-leaves.js').Updatable<import('./agent.js').EmbeddedAgentOptions> | undefined;
  started.check();
  const { authorizerOf } = await import('./authorizer.js');
  let api: import('../apiserver/server.js').ApiServer;
  try {
    api = await startApiServer({
      store,
      host: cfg.bindAddress,
      port: cfg.port,
      // During a CA rotation the new CA cross-signed by the old one follows the certificate (pki.chain).
      tls: { cert: pki.server.cert + pki.chain, key: pki.server.key, clientCA: pki.trust },
      log: logger('apiserver'),
      serverJoin,
      compactionIntervalMs: cfg.compactionIntervalMs,
      // The API server reaches node agents (logs, exec, port-forward) as kube-apiserver-kubelet-client,
      // and checks their serving certificates against the cluster CA. During a CA rotation its
      // certificate (the new CA's) is sent with the cross-signed new CA, as the serving one is: an
      // agent that still trusts the old CA alone (until it takes the new bundle) verifies it too.
      kubeletClient: { ...identities.kubeletClient, cert: identities.kubeletClient.cert + pki.chain, ca: pki.trust },
      tokenAuthenticators: oidc,
      audit,
      serviceCIDR: cfg.serviceCIDR,
      serviceNodePortRange: cfg.serviceNodePortRange,
      // The kubernetes Service's endpoint: the bind address, else this machine's node IP, else loopback.
      componentMetrics: () => Promise.all([...children].map(async ([name, child]) => ({ process: name, families: await child.families() }))),
      advertiseAddress: cfg.bindAddress !== '0.0.0.0' && cfg.bindAddress !== '::' ? cfg.bindAddress : cfg.agent?.nodeIP,
      limits: cfg.limits,
      defaultStorage: cfg.defaultStorageClass !== false,
      defaultIngressClass: true,
      podSecurity,
      // Service account tokens are signed with pki/sa.key (see sa-flags.ts for the issuer and audiences).
      serviceAccounts: { signingKey: pki.serviceAccount.key, publicKeys: [pki.serviceAccount.pub], issuer: cfg.serviceAccounts?.issuer ?? DEFAULT_SERVICE_ACCOUNT_ISSUER, apiAudiences: cfg.serviceAccounts?.apiAudiences },
      timings: { watchBookmarkIntervalMs: cfg.tunables?.watchBookmarkIntervalMs, listFreshWaitMs: cfg.tunables?.listFreshWaitMs },
      anonymousAuth: cfg.authz?.anonymousAuth ?? true,
      authorizer: authorizerOf(cfg.authz?.authorizationMode ?? 'RBAC'),
      aggregation,
      metricsApi: { resolutionMs: cfg.autoscaling?.metricResolutionMs ?? cfg.tunables?.metricResolutionMs },
      endpointLeases: { leaseDurationMs: cfg.tunables?.apiserverLeaseDurationMs, renewIntervalMs: cfg.tunables?.apiserverLeaseRenewMs },
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${cfg.port} is in use: stop the other server or pass --port`);
    if ((e as NodeJS.ErrnoException).code === 'EACCES') throw new UsageError(`no permission to listen on port ${cfg.port}: run as root or pass a --port above 1024`);
    throw e;
  }
  const apiServer = api;
  started.add('API server', 2500, () => apiServer.close());
  const host = cfg.bindAddress === '0.0.0.0' || cfg.bindAddress === '::' ? '127.0.0.1' : cfg.bindAddress;
  const serverUrl = `https://${host.includes(':') ? `[${host}]` : host}:${api.port}`;
  const adminKubeconfig = buildKubeconfig({ name: 'gifee', server: serverUrl, ca: pki.trust, cert: pki.admin.cert, key: pki.admin.key });
  await writeKubeconfig(cfg.kubeconfig, adminKubeconfig, { merge: cfg.mergeKubeconfig });
  // DATA/kubeconfig too (`gifee up` merges into the user's kubeconfig instead): it tells `gifee token`,
  // `gifee user` and `gifee kubeconfig --data-dir` where this server listens.
  const dataKubeconfig = join(cfg.dataDir, 'kubeconfig');
  if (cfg.kubeconfig !== dataKubeconfig) await writeKubeconfig(dataKubeconfig, adminKubeconfig, { merge: false });
  // DATA/node-token's bootstrap token, as a Secret the API server authenticates it by (a new store
  // gets it again). It never expires: `gifee token create --ttl` makes expiring ones.
  {
    const [{ RestClient }, { ensureTokenSecret, TokenSecretContendedError }] = await Promise.all([import('../client/rest.js'), import('./bootstrap-tokens.js')]);
    const admin = new RestClient({ server: serverUrl, ca: pki.trust, cert: pki.admin.cert, key: pki.admin.key, userAgent: 'gifee-server' });
    try {
      await ensureTokenSecret(admin, { id: joinToken.id, secret: joinToken.secret, description: 'the join token in DATA/node-token (made by gifee server)' });
    } catch (e) {
      if (!(e instanceof TokenSecretContendedError)) throw e;
      // The server still serves; only joining with DATA/node-token is refused until this is fixed.
      log.warn('the join token in DATA/node-token is not usable: agents joining with it will be refused (restart the server, or make a token with `gifee token create`)', { err: e instanceof Error ? e.message : String(e) });
    } finally {
      admin.close();
    }
  }
  started.check();

  if (cfg.controllers) {
    // A bad --cluster-cidr is a usage error now, not a failure inside the component process later.
    try {
      const { CidrSet } = await import('../controllers/nodeipam/cidr-set.js');
      new CidrSet(cfg.clusterCIDR ?? '10.42.0.0/16', 24);
    } catch (e) {
      throw new UsageError(`--cluster-cidr: ${(e as Error).message}`);
    }
    if (cfg.lbIPRange) {
      const { IpPool } = await import('../controllers/servicelb/ip-pool.js');
      try {
        IpPool.parse(cfg.lbIPRange);
      } catch (e) {
        throw new UsageError(`--lb-ip-range: ${(e as Error).message}`);
      }
    }
    // Each controller writes as its own service account (kube-controller-manager's --use-service-account-credentials).
    const [{ serviceAccountCerts }, { CONTROLLER_SERVICE_ACCOUNTS }] = await Promise.all([import('./pki.js'), import('../controllers/service-accounts.js')]);
    const controllers = await serviceAccountCerts(cfg.dataDir, pki.ca, 'kube-system', Object.values(CONTROLLER_SERVICE_ACCOUNTS));
    // ca: also the root CA published to every namespace; the signing keys (service accounts' for legacy token Secrets, the
    // CA's for the CSR signer) go over IPC, never argv.
    const components = {
      server: serverUrl,
      ca: pki.trust,
      controllerManager: identities.controllerManager,
      scheduler: identities.scheduler,
      controllers,
      clusterCIDR: cfg.clusterCIDR,
      lbIPRange: cfg.lbIPRange,
      serviceAccountSigningKey: pki.serviceAccount.key,
      tunables: cfg.tunables,
      clusterSigningCert: pki.ca.cert,
      clusterSigningKey: pki.ca.key,
      hpa: cfg.autoscaling?.hpa,
    };
    try {
      if (cfg.inProcessComponents) {
        const running = await (await import('./components.js')).startComponents(components);
        started.add('controllers and scheduler', 4000, () => running.stop(), { group: 'clients' });
        componentsLeaves = { config: components, update: (c) => running.update?.(c) };
      } else {
        // Controllers and scheduler in a supervised process of their own (see supervisor.ts).
        const child = await supervised('controller-manager', { role: 'controllers', config: components }, 'controllers and scheduler');
        componentsLeaves = { config: components, update: (c) => child.update({ role: 'controllers', config: c }) };
      }
    } catch (e) {
      if (e instanceof StartupAborted) throw e;
      throw new UsageError(`the controllers could not start: ${(e as Error).message}`);
    }
  }
  started.check();
  let readyNodeName: string | undefined;
  if (cfg.agent) {
    const { embeddedNodeIdentity, embeddedAgentCredentials } = await import('./agent.js');
    const { nodeName, nodeIP } = embeddedNodeIdentity(cfg.agent);
    readyNodeName = nodeName;
    // The agent (a process of its own) gets its node's certificates and the CA certificate, no CA or admin key.
    const creds = await embeddedAgentCredentials(cfg.dataDir, pki, nodeName, nodeIP);
    const agentOptions = { dataDir: cfg.dataDir, serverUrl, ca: pki.trust, ...creds, clusterCIDR: cfg.clusterCIDR ?? '10.42.0.0/16', serviceCIDR: cfg.serviceCIDR ?? '10.43.0.0/16', restartBackoffMs: cfg.tunables?.restartBackoffMs, ...cfg.agent, nodeName, nodeIP };
    try {
      if (cfg.inProcessComponents) {
        const agent = await (await import('./agent.js')).startEmbeddedAgent(agentOptions);
        started.add('node agent', 4000, () => agent.stop(), { group: 'clients' });
        agentLeaves = { config: agentOptions, update: (c) => agent.update(c) };
      } else {
        // The node agent too gets a process of its own: pod work never stalls the API, nor the reverse.
        const child = await supervised('agent', { role: 'agent', config: agentOptions }, 'node agent');
        agentLeaves = { config: agentOptions, update: (c) => child.update({ role: 'agent', config: c }) };
      }
    } catch (e) {
      if (e instanceof StartupAborted) throw e;
      throw new UsageError(`the node agent could not start: ${(e as Error).message}`);
    }
  }
  // Leaf certificates are renewed while the server runs (at 80% of their lifetime), and swapped in live.
  {
    const [{ LeafRotator }, { serverLeaves }, { DEFAULT_LEAF_CERT_VALIDITY_MS }] = await Promise.all([import('./certs/leaf-rotation.js'), import('./certs/server-leaves.js'), import('./cert-rotation-flags.js')]);
    const leaves = serverLeaves({ ca: pki.ca, server: pki.server, serverChain: pki.chain, kubeletClient: identities.kubeletClient, api: apiServer, components: componentsLeaves, agent: agentLeaves });
    const rotator = new LeafRotator({ pkiDir: join(cfg.dataDir, 'pki'), leaves, policy: { validityMs: cfg.leafCertValidityMs ?? DEFAULT_LEAF_CERT_VALIDITY_MS }, log: log.child({ component: 'cert-rotation' }) });
    rotator.start();
    // Stopped before the clients and the API server: a renewal under way is written whole first.
    started.add('certificate rotation', 2000, () => rotator.stop());
  }
  started.check();
  log.info('gifee server ready', { url: serverUrl, store: storeKind, dataDir: cfg.dataDir, kubeconfig: cfg.kubeconfig, startupMs: Math.round(performance.now() - startedAt), pid: process.pid });
  cfg.onReady?.(serverUrl, { started: [...started.names].reverse(), nodeName: readyNodeName, startupMs: Math.round(performance.now() - startedAt) });
  log.info('workers join with: gifee agent --server URL --token-file ' + join(cfg.dataDir, 'node-token'), { tokenFile: join(cfg.dataDir, 'node-token') });
}
