// Cluster kinds: namespaces, services, endpoints, config, identity, nodes, storage, events, leases, endpointslices.
import type { KindDef } from '../../kind.js';
import { binding } from './binding.js';
import { componentStatus } from './componentstatus.js';
import { configMap } from './configmap.js';
import { endpointSlice, endpoints } from './endpoints.js';
import { coreEvent, eventsV1Event } from './event.js';
import { lease } from './lease.js';
import { namespace } from './namespace.js';
import { node } from './node.js';
import { secret } from './secret.js';
import { service } from './service.js';
import { serviceAccount } from './serviceaccount.js';
import { persistentVolume, persistentVolumeClaim } from './storage.js';
import { priorityClass } from './priorityclass.js';
import { limitRange } from './limitrange.js';
import { resourceQuota } from './resourcequota.js';

export const clusterKinds: KindDef[] = [namespace, configMap, secret, serviceAccount, service, endpoints, node, coreEvent, persistentVolume, persistentVolumeClaim, lease, endpointSlice, eventsV1Event, priorityClass, binding, componentStatus, resourceQuota, limitRange];
