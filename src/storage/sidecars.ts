// The controller-side CSI sidecars an agent runs built in (docs/storage.md "Node-side sidecars"):
// provisioner, deleter, resizer, attacher, capacity and snapshotter, for the drivers registered on its node that ask for
// them. They act as their own identity (the client given: the gifee-storage-sidecars service
// account, see sidecar-identity.ts), never as the node, and read through informers of that client.

import type { EventRecorder } from '../client/events.js';
import type { InformerFactory } from '../client/informer-factory.js';
import type { RestClient } from '../client/rest.js';
import type { CsiRegistry } from '../csi/types.js';
import type { Logger } from '../util/log.js';
import { AttacherController } from './attacher.js';
import { CapacityController } from './capacity.js';
import { DeleterController } from './deleter.js';
import { ProvisionerController } from './provisioner.js';
import { ResizerController } from './resizer.js';
import { SR } from './resources.js';
import { ServedDrivers } from './served-drivers.js';
import { startSnapshotSidecar } from './snapshot-sidecar.js';

export interface StorageSidecarOptions {
  /** A client with the sidecars' identity. */
  client: RestClient;
  /** Informers on that same client (the node's own cannot list claims and volumes). */
  informers: InformerFactory;
  registry: CsiRegistry;
  nodeName: string;
  recorder: EventRecorder;
  log: Logger;
  /** How often published storage capacity is refreshed (default a minute). */
  capacityRefreshMs?: number;
}

export interface StorageSidecars {
  /** Stops the sidecars and resolves once no reconcile is running any more. */
  stop(): Promise<void>;
}

export function startStorageSidecars(o: StorageSidecarOptions): StorageSidecars {
  const scope = o.informers.scope('csi-sidecars');
  const csidrivers = scope.informer(SR.csidrivers);
  const drivers = new ServedDrivers(o.registry, csidrivers);
  const deps = { client: o.client, factory: o.informers, drivers, nodeName: o.nodeName, recorder: o.recorder };
  const controllers = [
    new ProvisionerController({ ...deps, log: o.log.child({ sidecar: 'provisioner' }) }),
    new DeleterController({ ...deps, log: o.log.child({ sidecar: 'deleter' }) }),
    new ResizerController({ ...deps, log: o.log.child({ sidecar: 'resizer' }) }),
    new AttacherController({ ...deps, log: o.log.child({ sidecar: 'attacher' }) }),
    new CapacityController({ ...deps, log: o.log.child({ sidecar: 'capacity' }) }, o.capacityRefreshMs),
  ];
  // A driver that registers (or a CSIDriver that starts asking for sidecars) makes every object worth a look again.
  let stopped = false;
  const resync = () => {
    if (stopped) return;
    for (const c of controllers) if (c.isRunning) c.resync();
  };
  o.registry.onChange(resync);
  csidrivers.addHandlers({ onAdd: resync, onUpdate: resync, onDelete: resync });
  scope.start();
  for (const c of controllers) c.start();
  // The csi-snapshotter (snapshot-sidecar.ts) with the same identity, informers and registry.
  const snapshotter = startSnapshotSidecar({ client: o.client, informers: o.informers, registry: o.registry, nodeName: o.nodeName, recorder: o.recorder, log: o.log });
  o.log.info('storage sidecars started', { node: o.nodeName });
  return {
    async stop() {
      stopped = true;
      snapshotter.stop();
      for (const c of controllers) c.stop();
      scope.close();
      await Promise.all(controllers.map((c) => c.stopped()));
    },
  };
}
