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
import { DeploymentController } from './deployment/deployment.js';
import { ServiceAccountController } from './serviceaccount/serviceaccount.js';
import { EndpointSliceController } from './endpointslice/endpointslice.js';
import { EndpointsController } from './endpoints/endpoints.js';
import { CONTROLLER_SERVICE_ACCOUNTS } from './service-accounts.js';

export { CONTROLLER_SERVICE_ACCOUNTS };

/** Leader election of the controller manager (Lease kube-system/gifee-controller-manager); false runs unelected. */
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
  leaderElection?: ManagerLeaderElection | false;
  informers?: InformerFactory;
  controllerClients?: (serviceAccount: string) => RestClient | undefined;
}): Promise<{ stop(): Promise<void> }> {
  const log = opts.log ?? logger('controller-manager');
  NodeIpamController.validate(opts); // fail at start, not later inside leader election
  const ownFactory = !opts.informers;
  const factory = opts.informers ?? new InformerFactory(new RestClient({ server: opts.server, ca: opts.ca, cert: opts.cert, key: opts.key, userAgent: 'gifee-controller-manager' }), log.child({ component: 'informers' }));
  const client = factory.client;
  // Reads go through the shared informers (the manager's own identity); each controller writes as
  // itself when given its credentials, else as the manager.
  const as = (name: keyof typeof CONTROLLER_SERVICE_ACCOUNTS) => opts.controllerClients?.(CONTROLLER_SERVICE_ACCOUNTS[name]) ?? client;
  // Made anew each time this manager becomes the leader: a stopped controller does not restart.
  const makeControllers = () => [
    new NamespaceController(as('namespace'), factory, log.child({ controller: 'namespace' })),
    new GarbageCollector(as('garbagecollector'), factory, log.child({ controller: 'garbagecollector' })),
    new JobController(as('job'), factory, log.child({ controller: 'job' })),
    new StatefulSetController(as('statefulset'), factory, log.child({ controller: 'statefulset' })),
    new DaemonSetController(as('daemonset'), factory, log.child({ controller: 'daemonset' })),
    new CronJobController(as('cronjob'), factory, log.child({ controller: 'cronjob' })),
    new NodeLifecycleController(as('nodelifecycle'), factory, log.child({ controller: 'nodelifecycle' })),
    new ReplicaSetController(as('replicaset'), factory, log.child({ controller: 'replicaset' })),
    new DeploymentController(as('deployment'), factory, log.child({ controller: 'deployment' })),
    new ServiceAccountController(as('serviceaccount'), factory, log.child({ controller: 'serviceaccount' })),
    new EndpointSliceController(as('endpointslice'), factory, log.child({ controller: 'endpointslice' })),
    new EndpointsController(as('endpoints'), factory, log.child({ controller: 'endpoints' })),
    new NodeIpamController(as('nodeipam'), factory, log.child({ controller: 'nodeipam' }), opts),
    new PodGCController(as('podgc'), factory, log.child({ controller: 'podgc' })),
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
