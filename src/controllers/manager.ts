// The controller manager: runs the cluster's controllers against the API server, through the API
// only (as any other client would), and stops them cleanly. Every controller reads the same shared
// informers (one list + watch per resource in the process); pass `informers` to share them with
// other components of this process that use the same identity (the scheduler in `gifee server`).

import { RestClient } from '../client/rest.js';
import { InformerFactory } from '../client/informer-factory.js';
import { LeaderElector, stableIdentity } from '../client/leader-election.js';
import { leaseClient } from '../client/lease-client.js';
import { PodGCController } from './podgc/podgc.js';
import { NodeIpamController } from './nodeipam/nodeipam.js';
import { logger, type Logger } from '../util/log.js';
import { GarbageCollector } from './garbagecollector/garbagecollector.js';
import { NamespaceController } from './namespace/namespace.js';
import { JobController } from './job/job.js';
import { StatefulSetController } from './statefulset/statefulset.js';
import { DaemonSetController } from './daemonset/daemonset.js';
import { CronJobController } from './cronjob/cronjob.js';
import { NodeLifecycleController } from './nodelifecycle/nodelifecycle.js';
import { ReplicaSetController } from './replicaset/replicaset.js';
import { REPLICATION_CONTROLLER } from './replicaset/kinds.js';
import { DeploymentController } from './deployment/deployment.js';
import { ServiceAccountController } from './serviceaccount/serviceaccount.js';
import { RootCaPublisher } from './rootcacert/publisher.js';
import { LegacyTokenController } from './serviceaccount-token/legacy-tokens.js';
import { TokenSigner } from '../api/auth/sa-token.js';
import { EndpointSliceController } from './endpointslice/endpointslice.js';
import { EndpointsController } from './endpoints/endpoints.js';
import { CsrSigningController } from './certificates/signer.js';
import { CsrApprovingController } from './certificates/approver.js';
import { CsrCleanerController } from './certificates/cleaner.js';
import { TokenCleanerController } from './bootstrap/tokencleaner.js';
import { ClusterRoleAggregationController } from './clusterrole-aggregation/clusterrole-aggregation.js';
import { DisruptionController } from './disruption/disruption.js';
import { CONTROLLER_SERVICE_ACCOUNTS } from './service-accounts.js';
import { ResourceQuotaController } from './resourcequota/resourcequota.js';
import { volumeControllers } from './persistentvolume/controllers.js';
import { SnapshotController } from './snapshot/snapshot-controller.js';
import { UpgradeController } from './upgrade/upgrade-controller.js';
import { HorizontalController, type HpaOptions } from './podautoscaler/horizontal.js';
import { AttachDetachController } from './attachdetach/attachdetach.js';
import { ServiceLbController } from './servicelb/servicelb.js';
import { IngressStatusController } from './ingressstatus/ingressstatus.js';

export { CONTROLLER_SERVICE_ACCOUNTS };

/** Leader election of the controller manager (Lease kube-system/gifee-controller-manager); false runs unelected. */
/** Timings tests shorten; unset: Kubernetes' defaults. */
export interface ControllerTimings {
  jobBackoffMs?: number;
  podgcQuarantineMs?: number;
  nodeMonitorGraceMs?: number;
  /** The quota controller's full resync (default 5 minutes). */
  quotaResyncMs?: number;
  /** The HPA controller's sync period (--horizontal-pod-autoscaler-sync-period, default 15 s). */
  hpaSyncPeriodMs?: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 5 minutes). */
  hpaDownscaleStabilizationMs?: number;
}

export interface ManagerLeaderElection {
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** The client lease requests go through (default: one of its own, see lease-client.ts); tests pass one that stalls. */
  client?: RestClient;
}

export async function startControllerManager(opts: {
  server: string;
  ca: string;
  cert: string;
  key: string;
  log?: Logger;
  clusterCIDR?: string;
  nodeCIDRMaskSize?: number;
  /** The load balancer address pool (--lb-ip-range); unset: LoadBalancer Services get the node IPs. */
  lbIPRange?: string;
  leaderElection?: ManagerLeaderElection | false;
  informers?: InformerFactory;
  timings?: ControllerTimings;
  clusterSigning?: { cert: string; key: string };
  serviceAccountSigningKey?: string;
  controllerClients?: (serviceAccount: string) => RestClient | undefined;
  /** kube-controller-manager's --horizontal-pod-autoscaler-* settings; each wins over its timing above. */
  hpa?: Pick<HpaOptions, 'syncPeriodMs' | 'tolerance' | 'downscaleStabilizationMs' | 'cpuInitializationPeriodMs' | 'initialReadinessDelayMs'>;
}): Promise<{ stop(): Promise<void> }> {
  const log = opts.log ?? logger('controller-manager');
  NodeIpamController.validate(opts); // fail at start, not later inside leader election
  ServiceLbController.validate(opts);
  const ownFactory = !opts.informers;
  const factory = opts.informers ?? new InformerFactory(new RestClient({ server: opts.server, ca: opts.ca, cert: opts.cert, key: opts.key, userAgent: 'gifee-controller-manager' }), log.child({ component: 'informers' }));
  const client = factory.client;
  // Legacy token Secrets need the service account signing key (Kubernetes' --service-account-private-key-file).
  const signer = opts.serviceAccountSigningKey ? new TokenSigner(opts.serviceAccountSigningKey) : undefined;
  // Reads go through the shared informers (the manager's own identity); each controller writes as
  // itself when given its credentials, else as the manager.
  const as = (name: keyof typeof CONTROLLER_SERVICE_ACCOUNTS) => opts.controllerClients?.(CONTROLLER_SERVICE_ACCOUNTS[name]) ?? client;
  // Made anew each time this manager becomes the leader: a stopped controller does not restart.
  const makeControllers = () => [
    new NamespaceController(as('namespace'), factory, log.child({ controller: 'namespace' })),
    new GarbageCollector(as('garbagecollector'), factory, log.child({ controller: 'garbagecollector' })),
    new JobController(as('job'), factory, log.child({ controller: 'job' }), { backoffBaseMs: opts.timings?.jobBackoffMs }),
    new StatefulSetController(as('statefulset'), factory, log.child({ controller: 'statefulset' })),
    new DaemonSetController(as('daemonset'), factory, log.child({ controller: 'daemonset' })),
    new CronJobController(as('cronjob'), factory, log.child({ controller: 'cronjob' })),
    new NodeLifecycleController(as('nodelifecycle'), factory, log.child({ controller: 'nodelifecycle' }), { monitorGraceMs: opts.timings?.nodeMonitorGraceMs }),
    new ReplicaSetController(as('replicaset'), factory, log.child({ controller: 'replicaset' })),
    // Kubernetes' replication manager: the ReplicaSet controller's code, driving ReplicationControllers.
    new ReplicaSetController(as('replicationcontroller'), factory, log.child({ controller: 'replicationcontroller' }), REPLICATION_CONTROLLER),
    new DeploymentController(as('deployment'), factory, log.child({ controller: 'deployment' })),
    new ServiceAccountController(as('serviceaccount'), factory, log.child({ controller: 'serviceaccount' })),
    new EndpointSliceController(as('endpointslice'), factory, log.child({ controller: 'endpointslice' })),
    new EndpointsController(as('endpoints'), factory, log.child({ controller: 'endpoints' })),
    new NodeIpamController(as('nodeipam'), factory, log.child({ controller: 'nodeipam' }), opts),
    new PodGCController(as('podgc'), factory, log.child({ controller: 'podgc' }), { quarantineMs: opts.timings?.podgcQuarantineMs }),
    new CsrApprovingController(as('csrapproving'), factory, log.child({ controller: 'csrapproving' })),
    new CsrCleanerController(as('csrcleaner'), factory, log.child({ controller: 'csrcleaner' })),
    new TokenCleanerController(as('tokencleaner'), factory, log.child({ controller: 'tokencleaner' })),
    // Signs with the cluster CA only when given it (kube-controller-manager's --cluster-signing-*-file).
    ...(opts.clusterSigning ? [new CsrSigningController(as('csrsigning'), factory, log.child({ controller: 'csrsigning' }), opts.clusterSigning)] : []),
    // The cluster CA this manager trusts the API server with is the one pods get (--root-ca-file).
    new RootCaPublisher(as('rootcacertpublisher'), factory, log.child({ controller: 'root-ca-cert-publisher' }), opts.ca),
    // As Kubernetes' tokens controller: the manager's own identity (system:kube-controller-manager may update Secrets).
    ...(signer ? [new LegacyTokenController(client, factory, log.child({ controller: 'serviceaccount-token' }), signer, opts.ca)] : []),
    new ClusterRoleAggregationController(as('clusterroleaggregation'), factory, log.child({ controller: 'clusterrole-aggregation' })),
    new ResourceQuotaController(as('resourcequota'), factory, log.child({ controller: 'resourcequota' }), { resyncMs: opts.timings?.quotaResyncMs }),
    new DisruptionController(as('disruption'), factory, log.child({ controller: 'disruption' })),
    ...volumeControllers(as, factory, log),
    new SnapshotController(as('snapshot'), factory, log.child({ controller: 'snapshot' })),
    new HorizontalController(as('horizontalpodautoscaling'), factory, log.child({ controller: 'horizontal-pod-autoscaler' }), hpaOptionsOf(opts)),
    new AttachDetachController(as('attachdetach'), factory, log.child({ controller: 'attachdetach' })),
    new ServiceLbController(as('servicelb'), factory, log.child({ controller: 'service-lb' }), { lbIPRange: opts.lbIPRange }),
    new IngressStatusController(as('ingressstatus'), factory, log.child({ controller: 'ingress-status' })),
    new UpgradeController(as('upgrade'), factory, log.child({ controller: 'upgrade' })),
  ];
  let controllers: ReturnType<typeof makeControllers> = [];
  const startAll = () => {
    controllers = makeControllers();
    for (const c of controllers) c.start();
    log.info('controllers started', { controllers: controllers.map((c) => c.name) });
  };
  const stopAll = () => {
    for (const c of controllers) c.stop();
    if (controllers.length) log.info('controllers stopped', { controllers: controllers.map((c) => c.name) });
    controllers = [];
  };
  // Only the holder of the lease runs controllers, so several control planes never both act.
  const election = opts.leaderElection === false ? undefined : (opts.leaderElection ?? {});
  const electionClient = election && (election.client ?? leaseClient(client.config, election.renewDeadlineMs));
  const le = !election
    ? undefined
    : new LeaderElector({ namespace: 'kube-system', name: 'gifee-controller-manager', ...election, client: electionClient!, identity: election.identity ?? stableIdentity(opts.server), log: log.child({ component: 'leader-election' }), onStartedLeading: startAll, onStoppedLeading: stopAll });
  if (le) le.start();
  else startAll();
  return {
    stop: async () => {
      if (le) await le.stop();
      else stopAll();
      if (ownFactory) {
        factory.stop();
        client.close();
      }
      if (electionClient !== election?.client) electionClient?.close();
    },
  };
}

/** The HPA controller's options: its flags, else the timings tests shorten, else Kubernetes' defaults. */
function hpaOptionsOf(opts: { timings?: ControllerTimings; hpa?: Partial<HpaOptions> }): HpaOptions {
  const h = opts.hpa ?? {};
  return {
    syncPeriodMs: h.syncPeriodMs ?? opts.timings?.hpaSyncPeriodMs,
    downscaleStabilizationMs: h.downscaleStabilizationMs ?? opts.timings?.hpaDownscaleStabilizationMs,
    tolerance: h.tolerance,
    cpuInitializationPeriodMs: h.cpuInitializationPeriodMs,
    initialReadinessDelayMs: h.initialReadinessDelayMs,
  };
}
