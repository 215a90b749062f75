// The volume controllers the controller manager runs (one line in manager.ts): the PV binder, the
// pvc- and pv-protection controllers, the expand controller and the ephemeral volume controller,
// each writing as its own service account.

import type { InformerFactory } from '../../client/informer-factory.js';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import type { CONTROLLER_SERVICE_ACCOUNTS } from '../service-accounts.js';
import { PersistentVolumeBinder } from './binder.js';
import { EphemeralVolumeController } from './ephemeral.js';
import { ExpandController } from './expand.js';
import { PvcProtectionController, PvProtectionController } from './protection.js';

export function volumeControllers(as: (name: keyof typeof CONTROLLER_SERVICE_ACCOUNTS) => RestClient, factory: InformerFactory, log: Logger) {
  return [
    new PersistentVolumeBinder(as('persistentvolumebinder'), factory, log.child({ controller: 'persistentvolume-binder' })),
    new PvcProtectionController(as('pvcprotection'), factory, log.child({ controller: 'pvc-protection' })),
    new PvProtectionController(as('pvprotection'), factory, log.child({ controller: 'pv-protection' })),
    new ExpandController(as('expand'), factory, log.child({ controller: 'expand' })),
    new EphemeralVolumeController(as('ephemeralvolume'), factory, log.child({ controller: 'ephemeral-volume' })),
  ];
}
