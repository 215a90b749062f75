// The agent's side of the storage sidecars: once the node is registered, get the sidecars' own
// identity (sidecar-identity.ts; retried in the background while the API server cannot issue it,
// e.g. an older server without the account), then run them on informers of that identity.

import { EventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { RestClient } from '../client/rest.js';
import type { CsiRegistry } from '../csi/types.js';
import type { Logger } from '../util/log.js';
import { startSidecarIdentity, type SidecarIdentity } from './sidecar-identity.js';
import { type StorageSidecars, startStorageSidecars } from './sidecars.js';

/** Retries while the identity cannot be had: 15 s, doubling to 5 minutes (a server without service account tokens would otherwise be asked every 15 s forever). */
const RETRY_MS = 15_000;
const MAX_RETRY_MS = 5 * 60_000;

export function startAgentStorageSidecars(o: { nodeClient: RestClient; server: string; ca: string; nodeName: string; registry: CsiRegistry; log: Logger }): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let retryMs = RETRY_MS;
  let running: { identity: SidecarIdentity; informers: InformerFactory; recorder: EventRecorder; sidecars: StorageSidecars } | undefined;
  const attempt = async () => {
    try {
      const identity = await startSidecarIdentity({ nodeClient: o.nodeClient, server: o.server, ca: o.ca, nodeName: o.nodeName, log: o.log });
      if (stopped) return identity.stop();
      const informers = new InformerFactory(identity.client, o.log.child({ part: 'informers' }));
      const recorder = new EventRecorder(identity.client, 'gifee-storage-sidecars', o.log.child({ part: 'events' }), o.nodeName);
      const sidecars = startStorageSidecars({ client: identity.client, informers, registry: o.registry, nodeName: o.nodeName, recorder, log: o.log });
      running = { identity, informers, recorder, sidecars };
    } catch (e) {
      if (stopped) return;
      o.log.warn('the storage sidecars have no identity yet (TokenRequest for kube-system/gifee-storage-sidecars failed); retrying', { err: e, retryInMs: retryMs });
      timer = setTimeout(() => void attempt(), retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      timer.unref();
    }
  };
  void attempt();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      if (!running) return;
      await running.sidecars.stop();
      await running.recorder.close();
      running.informers.stop();
      running.identity.stop();
    },
  };
}
