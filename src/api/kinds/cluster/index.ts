// Cluster kinds: namespaces, services, endpoints, config, identity, nodes, storage, events, leases, endpointslices.
import type { KindDef } from '../../kind.js';

export const clusterKinds: KindDef[] = [];
