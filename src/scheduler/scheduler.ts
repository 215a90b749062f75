// The scheduler: watches pods (all namespaces), nodes and namespaces through the API, keeps the
// cache and the queue current, and runs one scheduling cycle at a time. It schedules the pods whose
// spec.schedulerName is its own, that have no node yet and are not being deleted.

import { EventRecorder } from '../client/events.js';
import type { KObject } from '../api/kind.js';
import { InformerFactory } from '../client/informer-factory.js';
import { keyOf } from '../client/indexer.js';
import { R } from '../client/resources.js';
import { RestClient } from '../client/rest.js';
import { logger, type Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { SchedulerCache, safePodInfo } from './cache.js';
import { Framework } from './framework.js';
import { defaultPlugins } from './plugins/index.js';
import { SchedulingQueue } from './queue.js';
import { PodScheduler } from './schedule-one.js';
import type { Node, Pod } from './types.js';
import { AssumeCache } from './volumes/assume-cache.js';
import { VolumeBinder } from './volumes/binder.js';
import { hasClaims } from './volumes/claims.js';
import { informerListers } from './volumes/informer-listers.js';
import type { Pv, Pvc } from '../api/storage/types.js';
import { logFailure } from '../util/best-effort.js';

export interface SchedulerOptions {
  server: string;
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
  log?: Logger;
  schedulerName?: string;
  /** Share of nodes to find feasible before scoring; kube's adaptive default when unset. */
  percentageOfNodesToScore?: number;
  /** Called after each acknowledged bind: the synchronous cycle's duration, and queue pop to bind ack. */
  onBound?: (podKey: string, node: string, timing: { cycleSeconds: number; seconds: number }) => void;
  /** The process's shared informers (and their client), when other components use the same identity. */
  informers?: InformerFactory;
  /** How long preBind waits for a pod's claims to be Bound (Kubernetes' bindTimeoutSeconds: 600 s). */
  volumeBindTimeoutMs?: number;
}

const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** The node fields that can change a scheduling decision (not heartbeats or conditions). */
const schedulingRelevant = (n: Node) => JSON.stringify([n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable, n.status?.capacity]);

export async function startScheduler(opts: SchedulerOptions): Promise<{ stop(): Promise<void> }> {
  const log = opts.log ?? logger('scheduler');
  const schedulerName = opts.schedulerName ?? 'default-scheduler';
  const factory = opts.informers ?? new InformerFactory(new RestClient({ server: opts.server, ca: String(opts.ca), cert: String(opts.cert), key: String(opts.key), userAgent: `gifee-scheduler/${schedulerName}` }), log);
  const client = factory.client;
  const informers = factory.scope(`scheduler/${schedulerName}`);
  const cache = new SchedulerCache();
  const queue = new SchedulingQueue();
  const pods = informers.informer(R.pods);
  const nodes = informers.informer(R.nodes);
  const namespaces = informers.informer(R.namespaces);
  const events = new EventRecorder(client, schedulerName, log);
  // Storage: claims and volumes through assume caches, so a cycle sees the volumes earlier cycles chose.
  const pvcInformer = informers.informer(R.persistentvolumeclaims);
  const pvInformer = informers.informer(R.persistentvolumes);
  const storage = {
    pvcs: new AssumeCache<Pvc>(pvcInformer),
    pvs: new AssumeCache<Pv>(pvInformer),
    classes: informers.informer(R.storageclasses),
    csiNodes: informers.informer(R.csinodes),
    csiDrivers: informers.informer(R.csidrivers),
    capacities: informers.informer(R.csistoragecapacities),
  };
  const binder = new VolumeBinder({
    client,
    pvs: storage.pvs,
    pvcs: storage.pvcs,
    podExists: (key) => !!pods.get(key),
    node: (name) => cache.nodes.get(name),
    timeoutMs: opts.volumeBindTimeoutMs,
  });
  const plugins = defaultPlugins({ listers: informerListers(storage), assume: { pvs: storage.pvs, pvcs: storage.pvcs }, binder });
  const podScheduler = new PodScheduler(client, new Framework(plugins), cache, queue, pods, events, log, opts.percentageOfNodesToScore, opts.onBound);
  // Queueing hints: a storage object that appears or changes may let a pod with claims fit (its claim
  // created or bound, a volume freed, capacity published); pending volume bindings re-check too.
  // The PV and PVC handlers also settle assumptions (an update may supersede one; a deletion ends it).
  const storageEvent = (kind: string, assumed?: AssumeCache<Pv> | AssumeCache<Pvc>) => ({
    onAdd() {
      queue.moveAllToActiveOrBackoff(`${kind}Add`, hasClaims);
      if (assumed) binder.recheck();
    },
    onUpdate(_o: KObject, n: KObject) {
      assumed?.get(keyOf(n));
      queue.moveAllToActiveOrBackoff(`${kind}Update`, hasClaims);
      if (assumed) binder.recheck();
    },
    onDelete(o: KObject) {
      // A deleted claim or volume can only fail a pending binding; Kubernetes' hints wait for no deletion here.
      if (!assumed) return;
      assumed.restore(keyOf(o));
      binder.recheck();
    },
  });
  pvcInformer.addHandlers(storageEvent('PersistentVolumeClaim', storage.pvcs));
  pvInformer.addHandlers(storageEvent('PersistentVolume', storage.pvs));
  storage.classes.addHandlers(storageEvent('StorageClass'));
  storage.csiNodes.addHandlers(storageEvent('CSINode'));
  storage.csiDrivers.addHandlers(storageEvent('CSIDriver'));
  storage.capacities.addHandlers(storageEvent('CSIStorageCapacity'));

  // Pods with schedulingGates wait until every gate is removed (kube's PreEnqueue check).
  const gated = (p: Pod) => Array.isArray(p.spec?.schedulingGates) && p.spec.schedulingGates.length > 0;
  const responsible = (p: Pod) => (p.spec?.schedulerName ?? 'default-scheduler') === schedulerName && !p.metadata?.deletionTimestamp && !isTerminal(p) && !gated(p);
  const assigned = (p: Pod) => !!p.spec?.nodeName;

  pods.addHandlers({
    onAdd(o) {
      const p = o as Pod;
      if (assigned(p)) cache.addOrUpdatePod(p);
      else if (responsible(p)) {
        // A preemptor from before a restart keeps holding its node.
        if (p.status?.nominatedNodeName) cache.nominate(safePodInfo(p), p.status.nominatedNodeName);
        queue.add(p);
      }
    },
    onUpdate(o, n) {
      const old = o as Pod;
      const p = n as Pod;
      if (assigned(p)) {
        if (!assigned(old)) queue.delete(p);
        cache.addOrUpdatePod(p);
        // Freed resources or changed labels may let waiting pods fit.
        if ((isTerminal(p) && !isTerminal(old)) || JSON.stringify(old.metadata?.labels) !== JSON.stringify(p.metadata?.labels)) queue.moveAllToActiveOrBackoff('AssignedPodUpdate');
      } else if (responsible(p)) queue.update(p);
      else {
        queue.delete(p);
        cache.removePod(p);
      }
    },
    onDelete(o) {
      const p = o as Pod;
      queue.delete(p);
      cache.removePod(p);
      if (assigned(p)) queue.moveAllToActiveOrBackoff('AssignedPodDelete');
      binder.recheck();
    },
  });
  nodes.addHandlers({
    onAdd(o) {
      cache.addOrUpdateNode(o as Node);
      queue.moveAllToActiveOrBackoff('NodeAdd');
    },
    onUpdate(o, n) {
      cache.addOrUpdateNode(n as Node);
      if (schedulingRelevant(o as Node) !== schedulingRelevant(n as Node)) queue.moveAllToActiveOrBackoff('NodeUpdate');
    },
    onDelete(o) {
      cache.removeNode(o.metadata?.name ?? '');
    },
  });
  namespaces.addHandlers({
    onAdd: (o) => cache.namespaceLabels.set(o.metadata?.name ?? '', o.metadata?.labels ?? {}),
    onUpdate: (_o, n) => cache.namespaceLabels.set(n.metadata?.name ?? '', n.metadata?.labels ?? {}),
    onDelete: (o) => cache.namespaceLabels.delete(o.metadata?.name ?? ''),
  });

  // kube-scheduler's queues (active, backoff, unschedulable); pods being scheduled right now are gifee's own figure.
  metrics.gauge('scheduler_pending_pods', 'Pods waiting in each part of the scheduling queue (active, backoff, unschedulable).', () => {
    const { active, backoff, unschedulable } = queue.lengths;
    return [
      [{ queue: 'active' }, active],
      [{ queue: 'backoff' }, backoff],
      [{ queue: 'unschedulable' }, unschedulable],
    ];
  });
  metrics.gauge('gifee_scheduler_in_flight_pods', 'Pods taken off the queue and not yet bound or failed.', () => queue.lengths.inFlight);

  informers.start();
  queue.run();
  let running = true;
  let stopped!: () => void;
  const stopping = new Promise<void>((r) => (stopped = r));
  const loop = (async () => {
    // Scheduling before the caches are complete would double-book nodes.
    await Promise.race([informers.waitForCacheSync(), stopping]);
    if (!running) return;
    log.info('scheduler started', { schedulerName, nodes: cache.nodeList().length });
    while (running) {
      const qp = await queue.pop();
      if (!qp) return;
      try {
        podScheduler.scheduleOne(qp);
      } catch (e) {
        log.error('scheduling cycle failed', { pod: qp.key, err: e });
        queue.requeue(qp, false);
      }
      // Cycles are synchronous: yield so watch events and bind responses get processed.
      await new Promise((r) => setImmediate(r));
    }
  })();

  return {
    stop: async () => {
      running = false;
      stopped();
      queue.close();
      binder.close();
      informers.close();
      await loop.catch(logFailure(log, 'the scheduling loop'));
      if (!opts.informers) {
        factory.stop();
        client.close();
      }
    },
  };
}
