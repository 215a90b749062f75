// The controller manager: runs the cluster's controllers against the API server, through the API
// only (as any other client would), and stops them cleanly.

import { RestClient } from '../client/rest.js';
import { logger, type Logger } from '../util/log.js';
import { GarbageCollector } from './garbagecollector/garbagecollector.js';
import { NamespaceController } from './namespace/namespace.js';
import { JobController } from './job/job.js';
import { StatefulSetController } from './statefulset/statefulset.js';
import { ReplicaSetController } from './replicaset/replicaset.js';
import { DeploymentController } from './deployment/deployment.js';
import { ServiceAccountController } from './serviceaccount/serviceaccount.js';

export async function startControllerManager(opts: { server: string; ca: string; cert: string; key: string; log?: Logger }): Promise<{ stop(): Promise<void> }> {
  const log = opts.log ?? logger('controller-manager');
  const client = new RestClient({ server: opts.server, ca: opts.ca, cert: opts.cert, key: opts.key, userAgent: 'gifee-controller-manager' });
  const controllers = [new NamespaceController(client, log.child({ controller: 'namespace' })), new GarbageCollector(client, log.child({ controller: 'garbagecollector' })), new JobController(client, log.child({ controller: 'job' })), new StatefulSetController(client, log.child({ controller: 'statefulset' })), new ReplicaSetController(client, log.child({ controller: 'replicaset' })), new DeploymentController(client, log.child({ controller: 'deployment' })), new ServiceAccountController(client, log.child({ controller: 'serviceaccount' }))];
  for (const c of controllers) c.start();
  log.info('controllers started', { controllers: controllers.map((c) => c.name) });
  return {
    stop: async () => {
      for (const c of controllers) c.stop();
      client.close();
    },
  };
}
