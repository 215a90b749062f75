// The controller runtime every controller shares (controller-runtime's shape): a controller declares
// its watches (an informer and a map from a change to the keys it affects), and the runtime owns the
// life cycle: start the informers, wait until every cache has synced, then run the workers; stop
// removes the handlers, releases the informers and shuts the queue, and no worker starts after stop.
// Reconciles are level-triggered from the shared caches (frozen objects: copy before changing),
// failures retry with per-key backoff, a TerminalError is logged and not retried, and a reconcile
// may ask to be run again later ({ requeueAfter }).

import type { KObject } from '../api/kind.js';
import type { InformerLike } from '../client/informer.js';
import type { InformerFactory, InformerScope } from '../client/informer-factory.js';
import { keyOf } from '../client/indexer.js';
import type { Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { WorkQueue } from '../client/workqueue.js';

const reconciles = metrics.counter('controller_reconcile_total', 'Reconciles by controller and result.');
const duration = metrics.histogram('controller_reconcile_duration_seconds', 'Reconcile latency by controller.');

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds (e.g. when minReadySeconds will have passed). */
  requeueAfter?: number;
}

/** A failure that retrying cannot fix (an invalid spec): logged once, the key is not retried. */
export class TerminalError extends Error {}

/** Keys a change affects: add is (undefined, obj), update (old, obj), delete (obj, undefined). */
// biome-ignore lint/suspicious/noConfusingVoidType: void lets a mapper that returns nothing on some paths mean "nothing to enqueue"
export type KeyMapper = (old: KObject | undefined, obj: KObject | undefined) => Iterable<string> | string | undefined | void;

/** Maps any change to the changed object's own key. */
export const ownKey: KeyMapper = (old, obj) => keyOf((obj ?? old)!);

type State = 'new' | 'starting' | 'running' | 'stopped';

export abstract class Controller {
  /** Named after the controller: workqueue_*{name} in /metrics, as kube-controller-manager's queues. */
  readonly queue: WorkQueue<string>;
  /** This controller's informers: shared with every other consumer of the factory. */
  protected readonly informers: InformerScope;
  private state: State = 'new';
  private workersDone: Promise<void>[] = [];

  constructor(
    readonly name: string,
    protected log: Logger,
    factory: InformerFactory,
    private workers = 2,
  ) {
    this.informers = factory.scope(name);
    this.queue = new WorkQueue<string>({ name });
  }

  /** Bring the world to what `key` declares. Throwing retries the key with backoff. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a reconcile that returns nothing (Promise<void>) means done, no requeue
  protected abstract reconcile(key: string): Promise<void | ReconcileResult>;

  /** Runs once every cache has synced, before the first worker (e.g. rebuild allocations from the cache). */
  protected async onCachesSynced(): Promise<void> {}

  /** Runs at stop (clear timers the controller started). */
  protected onStop(): void {}

  /** Declare a watch: every change to informer's objects enqueues the keys map returns. */
  protected watch(informer: InformerLike, map: KeyMapper) {
    informer.addHandlers({
      onAdd: (o) => this.enqueue(map(undefined, o)),
      onUpdate: (old, o) => this.enqueue(map(old, o)),
      onDelete: (o) => this.enqueue(map(o, undefined)),
    });
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: takes a KeyMapper's result, where void means "nothing to enqueue"
  protected enqueue(keys: Iterable<string> | string | undefined | void) {
    if (keys === undefined) return;
    if (typeof keys === 'string') this.queue.add(keys);
    else for (const k of keys) this.queue.add(k);
  }

  /** The key of o's controlling owner of this kind, if the owner is in the cache with the referenced uid. */
  protected controllerOwnerKey(o: KObject, kind: string, owners: InformerLike): string | undefined {
    const ref = o.metadata?.ownerReferences?.find((r) => r.controller);
    if (!ref || ref.kind !== kind) return undefined;
    const key = o.metadata?.namespace ? `${o.metadata.namespace}/${ref.name}` : ref.name;
    return owners.get(key)?.metadata?.uid === ref.uid ? key : undefined;
  }

  /** Enqueue the controlling owner of o (a changed pod wakes its ReplicaSet). */
  protected enqueueControllerOwner(o: KObject | undefined, kind: string, owners: InformerLike) {
    if (o) this.enqueue(this.controllerOwnerKey(o, kind, owners));
  }

  get isRunning() {
    return this.state === 'running';
  }

  get isStopped() {
    return this.state === 'stopped';
  }

  /** Start the informers; workers start once every cache has synced, unless stopped first. */
  start() {
    if (this.state !== 'new') return;
    this.state = 'starting';
    this.informers.start();
    void (async () => {
      // Reconciling from a partial cache would see missing objects (and create them again).
      if (!(await this.informers.waitForCacheSync()) || this.state !== 'starting') return;
      await this.onCachesSynced();
      if (this.state !== 'starting') return;
      this.state = 'running';
      for (let i = 0; i < this.workers; i++) this.workersDone.push(this.work());
    })().catch((e) => this.log.error('controller failed to start', { err: e }));
  }

  stop() {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.informers.close();
    this.queue.shutdown();
    this.onStop();
  }

  /** Resolves once every worker has finished its current reconcile (after stop). */
  async stopped(): Promise<void> {
    await Promise.all(this.workersDone);
  }

  private async work() {
    while (this.state === 'running') {
      const key = await this.queue.get();
      if (key === undefined) return;
      const start = process.hrtime.bigint();
      try {
        const result = await this.reconcile(key);
        this.queue.forget(key);
        reconciles.inc({ controller: this.name, result: 'success' });
        if (result?.requeueAfter !== undefined && this.state === 'running') this.queue.addAfter(key, result.requeueAfter);
      } catch (e) {
        reconciles.inc({ controller: this.name, result: 'error' });
        if (e instanceof TerminalError) {
          this.queue.forget(key);
          this.log.error('reconcile failed; not retrying', { key, err: e });
        } else if (this.state === 'running') {
          const delay = this.queue.addRateLimited(key);
          this.log.warn('reconcile failed; retrying', { key, err: e, retryInMs: delay, attempt: this.queue.retries(key) });
        }
      } finally {
        duration.observe(Number(process.hrtime.bigint() - start) / 1e9, { controller: this.name });
        this.queue.done(key);
      }
    }
  }
}
