// A real API server with simulated agents running the node-side CSI sidecars (src/storage), each
// with its own client, informers, registry and in-memory driver: for the sidecars' tests. The
// test plays the other parts (PV controller, scheduler) by writing their annotations.

import type { KObject } from '../../src/api/kind.js';
import { EventRecorder } from '../../src/client/events.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { R } from '../../src/client/resources.js';
import { type ClientConfig, RestClient } from '../../src/client/rest.js';
import { LOCAL_DRIVER } from '../../src/api/storage-names.js';
import { startStorageSidecars, type StorageSidecars } from '../../src/storage/sidecars.js';
import { logger } from '../../src/util/log.js';
import { type InProcessApi, startInProcessApi } from './in-process-api.js';
import { MemoryCsiDriver, type MemoryDriverOptions, MemoryCsiRegistry } from './memory-csi-driver.js';
import { until } from './wait.js';

export interface SimAgent {
  nodeName: string;
  driver: MemoryCsiDriver;
  registry: MemoryCsiRegistry;
  client: RestClient;
  sidecars: StorageSidecars;
  stop(): Promise<void>;
}

export interface SidecarWorld {
  api: InProcessApi;
  admin: RestClient;
  config: ClientConfig;
  agent(nodeName: string, o?: Partial<MemoryDriverOptions> & { client?: RestClient; driverName?: string }): SimAgent;
  /** Events about an object (by kind and name), newest last. */
  events(namespace: string, name: string): Promise<{ reason: string; message: string; type: string }[]>;
  stop(): Promise<void>;
}

/**
 * Plays the pvc-protection and pv-protection controllers for tests without a controller manager
 * (no pod uses these claims): a claim or volume being deleted loses its protection finalizer.
 */
export function playProtectionControllers(admin: RestClient): { stop(): void } {
  const finalizers = new Set(['kubernetes.io/pvc-protection', 'kubernetes.io/pv-protection']);
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const r of [R.persistentvolumeclaims, R.persistentvolumes]) {
        for (const o of (await admin.list(r)).items) {
          const held = o.metadata?.finalizers ?? [];
          if (!o.metadata?.deletionTimestamp || !held.some((f) => finalizers.has(f))) continue;
          await admin.update(r, { ...o, metadata: { ...o.metadata, finalizers: held.filter((f) => !finalizers.has(f)) } }).catch(() => undefined);
        }
      }
    } catch {
      // the next tick tries again
    } finally {
      busy = false;
    }
  }, 200);
  return { stop: () => clearInterval(timer) };
}

export async function startSidecarWorld(): Promise<SidecarWorld> {
  const api = await startInProcessApi();
  const config: ClientConfig = { server: api.server.url, ca: api.pki.ca.cert, cert: api.pki.admin.cert, key: api.pki.admin.key };
  const admin = new RestClient(config);
  const protection = playProtectionControllers(admin);
  const agents: SimAgent[] = [];
  return {
    api,
    admin,
    config,
    agent(nodeName, o = {}) {
      const client = o.client ?? new RestClient(config);
      const informers = new InformerFactory(client, logger('informers', { node: nodeName }));
      const driverName = o.driverName ?? LOCAL_DRIVER;
      const driver = new MemoryCsiDriver({ name: driverName, nodeId: `id-${nodeName}`, topology: { segments: { 'topology.local.csi.gifee.dev/node': nodeName } }, ...o });
      const registry = new MemoryCsiRegistry();
      registry.register(driverName, driver);
      const recorder = new EventRecorder(client, 'csi-provisioner', logger('events'), nodeName, { retryDelayMs: 50 });
      const sidecars = startStorageSidecars({ client, informers, registry, nodeName, recorder, log: logger('sidecars', { node: nodeName }), capacityRefreshMs: 300 });
      const a: SimAgent = {
        nodeName,
        driver,
        registry,
        client,
        sidecars,
        async stop() {
          await sidecars.stop();
          await recorder.close();
          informers.stop();
          client.close();
        },
      };
      agents.push(a);
      return a;
    },
    async events(namespace, name) {
      const list = await admin.list(R.events, namespace);
      return (list.items as (KObject & { involvedObject?: { name?: string }; reason?: string; message?: string; type?: string; lastTimestamp?: string })[]).filter((e) => e.involvedObject?.name === name).map((e) => ({ reason: e.reason ?? '', message: e.message ?? '', type: e.type ?? '' }));
    },
    async stop() {
      for (const a of agents) await a.stop();
      protection.stop();
      admin.close();
      await api.stop();
    },
  };
}

export { until };
