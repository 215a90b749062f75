// The scheduler under leader election (Lease kube-system/gifee-scheduler): with several control
// planes on one etcd, only the lease holder schedules, so two schedulers never race for a pod.

import { LeaderElector, stableIdentity } from '../client/leader-election.js';
import { leaseClient } from '../client/lease-client.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { RotatingCredentials } from '../client/rotating-credentials.js';
import type { Logger } from '../util/log.js';
import { startScheduler } from './scheduler.js';

/** informers: the process's shared informers; each term as leader takes a scope of them and closes it on losing the lease. Lease requests have a client of their own. */
export async function startElectedScheduler(opts: { server: string; ca: string; cert: string; key: string; rotating?: RotatingCredentials; log: Logger; informers?: InformerFactory; volumeBindTimeoutMs?: number }): Promise<{ stop(): Promise<void> }> {
  // rotating: the server renews the scheduler's certificate while it runs; lease requests follow it.
  const client = leaseClient({ server: opts.server, ca: opts.ca, cert: opts.cert, key: opts.key, rotating: opts.rotating, userAgent: 'gifee-scheduler' });
  let running: { stop(): Promise<void> } | undefined;
  let starting: Promise<void> | undefined;
  // Stopping waits for a start still in progress, and the elector waits for the stop before it
  // campaigns again, so a scheduler from one term is never left running into the next.
  const stopRunning = async () => {
    await starting;
    const s = running;
    running = undefined;
    await s?.stop();
  };
  const le = new LeaderElector({
    client,
    namespace: 'kube-system',
    name: 'gifee-scheduler',
    identity: stableIdentity(opts.server),
    log: opts.log.child({ component: 'leader-election' }),
    onStartedLeading: () => {
      starting = startScheduler(opts)
        .then((s) => {
          running = s;
        })
        .catch((e) => opts.log.error('scheduler failed to start', { err: e }));
    },
    onStoppedLeading: stopRunning,
  });
  le.start();
  return {
    stop: async () => {
      await le.stop();
      await stopRunning();
      client.close();
    },
  };
}
