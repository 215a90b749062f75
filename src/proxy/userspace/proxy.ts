// The userspace service proxy, for nodes without root (the process runtime): the same view of
// Services and EndpointSlices as the nftables proxy, served by TCP listeners on loopback
// (see listeners.ts for the addresses), and the health check node ports of Services with
// externalTrafficPolicy Local on 127.0.0.1 as the nftables proxy answers them on the node's
// addresses. No kernel state: stop() closes the listeners.

import { informerScope, type InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { RestClient } from '../../client/rest.js';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../../util/log.js';
import { healthCheckServers, healthCheckTargets } from '../health-check.js';
import { buildServicePorts } from '../model.js';
import { UserspaceListeners } from './listeners.js';

export interface UserspaceProxy {
  /** "host:port" → service port id, for what is served now. */
  addresses(): Map<string, string>;
  /** The health check node ports listening now. */
  healthCheckPorts(): number[];
  stop(): Promise<void>;
}

/** This host's IPv4 addresses (where external addresses can be listened on). */
function hostAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.add(a.address);
  return out;
}

/**
 * nodeName: this node, whose endpoints the Local traffic policies keep (without it a Local policy
 * has no local endpoints: refused). localAddresses: defaults to the host's interfaces' addresses.
 */
export async function startUserspaceProxy(o: { client: RestClient; informers?: InformerFactory; log: Logger; debounceMs?: number; nodeName?: string; localAddresses?: () => ReadonlySet<string> }): Promise<UserspaceProxy> {
  const log = o.log;
  const listeners = new UserspaceListeners(log);
  // Loopback, where this proxy serves node ports too.
  const healthChecks = healthCheckServers({ bindAddress: '127.0.0.1', log });
  // Health check updates open and close listeners asynchronously: one at a time, in order.
  let healthUpdates: Promise<void> = Promise.resolve();
  const informers = informerScope(o, 'userspace-proxy');
  const services = informers.informer(R.services);
  const slices = informers.informer(R.endpointslices);
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  const sync = () => {
    timer = undefined;
    const ports = buildServicePorts(services.list(), slices.list(), o.nodeName);
    listeners.update(ports, (o.localAddresses ?? hostAddresses)());
    const targets = healthCheckTargets(ports);
    healthUpdates = healthUpdates.then(() => healthChecks.update(targets)).catch((err) => log.warn('could not update the health check node ports', { err }));
  };
  const schedule = () => {
    if (started && !timer) timer = setTimeout(sync, o.debounceMs ?? 50);
  };
  for (const i of [services, slices]) i.addHandlers({ onAdd: schedule, onUpdate: schedule, onDelete: schedule });
  informers.start();
  await informers.waitForCacheSync();
  started = true;
  sync();
  log.info('service proxy started (userspace: TCP listeners on loopback; no root, no nftables)');
  return {
    addresses: () => listeners.addresses(),
    healthCheckPorts: () => healthChecks.ports(),
    stop: async () => {
      started = false;
      if (timer) clearTimeout(timer);
      informers.close();
      listeners.close();
      await healthUpdates;
      await healthChecks.close();
    },
  };
}
