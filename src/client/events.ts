// Records core/v1 Events about objects the way Kubernetes components do (client-go's recorder and
// correlator): identical events become one Event whose count and lastTimestamp are PATCHed, similar
// ones are combined after 10 in 10 minutes, each source+object gets a token bucket (burst 25, one
// more per 5 minutes), and writes go out asynchronously through a bounded queue, dropped (and
// counted) rather than queued without bound. A storm of retries thus costs a few writes, not one
// per retry. Recording never throws and never waits: events are advice.

import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { EventCorrelator, type CorrelatorOptions } from './events/correlator.js';
import { eventTime, type CoreEvent } from './events/types.js';
import { WriteQueue, type PendingWrite } from './events/write-queue.js';
import { R } from './resources.js';
import { isNotFound, type RestClient } from './rest.js';

export type EventType = 'Normal' | 'Warning';

const written = metrics.counter('event_recorder_writes_total', 'Event writes sent to the API server, by component, verb (create, patch) and result.');
const dropped = metrics.counter('event_recorder_dropped_total', 'Events not written, by component and reason: spam_filter (over the per-object rate), queue_full, failed (gave up after retries).');

const MAX_ATTEMPTS = 3;

export interface EventRecorderOptions extends CorrelatorOptions {
  /** Events waiting to be written, at most (client-go: 1000). */
  queueSize?: number;
  /** Pause after a failed write before the next, so an unreachable API server is not hammered. */
  retryDelayMs?: number;
}

export class EventRecorder {
  private correlator: EventCorrelator;
  private queue: WriteQueue;
  private now: () => number;
  private retryDelayMs: number;
  private writer?: Promise<void>;

  /** component: "default-scheduler", "deployment-controller", "kubelet"...; host: the node, for agents. */
  constructor(
    private client: Pick<RestClient, 'create' | 'patch'>,
    private component: string,
    private log: Logger,
    private host?: string,
    opts: EventRecorderOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.correlator = new EventCorrelator({ ...opts, now: this.now });
    this.queue = new WriteQueue(opts.queueSize);
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
  }

  record(obj: KObject, type: EventType, reason: string, message: string): void {
    try {
      const c = this.correlator.correlate(this.build(obj, type, reason, message));
      if (c.skip) {
        dropped.inc({ component: this.component, reason: 'spam_filter' });
        return;
      }
      if (!this.queue.push({ event: c.event, key: c.key, patch: !!c.patch, attempts: 0 })) {
        dropped.inc({ component: this.component, reason: 'queue_full' });
        return;
      }
      this.writer ??= this.drain();
    } catch (e) {
      this.log.debug('event not recorded', { reason, err: e });
    }
  }

  /** Events waiting to be written. */
  get pending() {
    return this.queue.length;
  }

  /** Stop writing; what is still queued is dropped. */
  async close() {
    this.queue.close();
    await this.writer;
  }

  private build(obj: KObject, type: EventType, reason: string, message: string): CoreEvent {
    const md = obj.metadata ?? {};
    const now = this.now();
    const time = eventTime(now);
    return {
      apiVersion: 'v1',
      kind: 'Event',
      // client-go's name: the object's name and the time in nanoseconds, in hex (unique per recorder).
      metadata: { name: `${md.name}.${(now * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`, namespace: md.namespace || 'default' },
      involvedObject: { kind: obj.kind, namespace: md.namespace, name: md.name, uid: md.uid, apiVersion: typeof obj.apiVersion === 'string' ? obj.apiVersion : 'v1', resourceVersion: md.resourceVersion },
      reason,
      message,
      type,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host ?? '',
    };
  }

  /** The one writer: FIFO, so a patch never overtakes the create of its Event. */
  private async drain() {
    for (let w = await this.queue.take(); w; w = await this.queue.take()) {
      if (!(await this.write(w))) {
        if (++w.attempts < MAX_ATTEMPTS && this.queue.retry(w)) continue;
        dropped.inc({ component: this.component, reason: 'failed' });
      }
    }
  }

  private async write(w: PendingWrite): Promise<boolean> {
    const { event } = w;
    try {
      if (w.patch) {
        try {
          await this.client.patch(R.events, event.metadata.namespace, event.metadata.name, { count: event.count, lastTimestamp: event.lastTimestamp, message: event.message });
          written.inc({ component: this.component, verb: 'patch', result: 'ok' });
          return true;
        } catch (e) {
          if (!isNotFound(e)) throw e;
          // Deleted or expired meanwhile: create it again, with the count so far.
        }
      }
      await this.client.create(R.events, event.metadata.namespace, event as unknown as KObject);
      written.inc({ component: this.component, verb: 'create', result: 'ok' });
      return true;
    } catch (e) {
      written.inc({ component: this.component, verb: w.patch ? 'patch' : 'create', result: 'error' });
      const status = (e as { code?: number }).code;
      if (status === 409 && !w.patch) return true; // an earlier attempt created it after all
      // A refused event (bad namespace, invalid) will not be accepted later either.
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
        this.correlator.forget(w.key);
        w.attempts = MAX_ATTEMPTS;
      }
      this.log.debug('event not recorded', { reason: event.reason, err: e, attempt: w.attempts + 1 });
      await new Promise((r) => setTimeout(r, this.retryDelayMs).unref());
      return false;
    }
  }
}
