// Service allocation in the API server: ClusterIPs from the service CIDR and node ports from the
// node port range, taken and given back by the Service storage, kept honest by a repair pass.

import type { ApiState } from '../context.js';
import { StoreAllocator } from './allocator.js';
import { nodePortRange, serviceIPRange } from './ranges.js';
import { repairAllocations } from './repair.js';
import { ServiceObjects } from './service-objects.js';
import type { ServiceAllocators } from './service-allocation.js';

export const DEFAULT_SERVICE_CIDR = '10.43.0.0/16';
export const DEFAULT_NODE_PORT_RANGE = '30000-32767';

export interface ServiceAllocationOptions {
  serviceCIDR?: string;
  nodePortRange?: string;
  /** How often the repair pass runs after the first one at start (default 3 minutes; 0: only at start). */
  repairIntervalMs?: number;
}

export interface ServiceAllocation {
  allocators: ServiceAllocators;
  /** The kubernetes Service's ClusterIP: the first address of the service CIDR. */
  kubernetesServiceIP: string;
  /** Run the repair pass now. */
  repair(): Promise<{ recorded: number; released: number }>;
  stop(): void;
}

/** Validate the ranges (throws ServiceRangeError with a message for the user) before anything starts. */
export function serviceRanges(opts: ServiceAllocationOptions) {
  return { ips: serviceIPRange(opts.serviceCIDR ?? DEFAULT_SERVICE_CIDR), nodePorts: nodePortRange(opts.nodePortRange ?? DEFAULT_NODE_PORT_RANGE) };
}

/** Make Service writes allocate (registers the Service storage on `state`) and start the repair loop. */
export function installServiceAllocation(state: ApiState, opts: ServiceAllocationOptions = {}): ServiceAllocation {
  const ranges = serviceRanges(opts);
  const allocators: ServiceAllocators = { ips: new StoreAllocator(state.store, ranges.ips), nodePorts: new StoreAllocator(state.store, ranges.nodePorts) };
  const log = state.log.child({ component: 'service-allocation' });
  state.storageOverrides.set('/registry/core/services/', (store, def) => new ServiceObjects(store, def, allocators, log));
  const servicesDef = state.registry.byResource('', 'v1', 'services');
  let stopped = false;
  const repair = async () => (servicesDef ? repairAllocations(state.objects(servicesDef), allocators, log) : { recorded: 0, released: 0 });
  const run = () => {
    if (stopped) return;
    repair().then(
      (r) => {
        if (r.recorded || r.released) log.info('repaired service allocations', r);
      },
      (err) => log.warn('service allocation repair failed; retrying later', { err }),
    );
  };
  const first = setTimeout(run, 1000);
  first.unref();
  const every = opts.repairIntervalMs ?? 180_000;
  const timer = every > 0 ? setInterval(run, every) : undefined;
  timer?.unref();
  return {
    allocators,
    kubernetesServiceIP: ranges.ips.valueAt(0),
    repair,
    stop: () => {
      stopped = true;
      clearTimeout(first);
      if (timer) clearInterval(timer);
    },
  };
}
