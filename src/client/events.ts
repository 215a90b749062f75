// Records core/v1 Events about objects the way Kubernetes components do: the first occurrence is
// created, repeats of the same (object, type, reason, message) within the cache's life bump count
// and lastTimestamp instead of piling up new objects. Recording never throws: events are advice.

import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import { R } from './resources.js';
import type { RestClient } from './rest.js';

export type EventType = 'Normal' | 'Warning';

interface Seen {
  name: string;
  namespace: string;
  count: number;
}

const MAX_SEEN = 4096;

export class EventRecorder {
  private seen = new Map<string, Seen>();

  /** component: "default-scheduler", "deployment-controller", "kubelet"...; host: the node, for agents. */
  constructor(private client: RestClient, private component: string, private log: Logger, private host?: string) {}

  record(obj: KObject, type: EventType, reason: string, message: string): void {
    void this.write(obj, type, reason, message).catch((e) => this.log.debug('event not recorded', { reason, err: e }));
  }

  private async write(obj: KObject, type: EventType, reason: string, message: string) {
    const md = obj.metadata ?? {};
    const namespace = md.namespace || 'default';
    const key = [md.uid, type, reason, message].join('\u0000');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const prior = this.seen.get(key);
    if (prior) {
      prior.count++;
      try {
        await this.client.patch(R.events, prior.namespace, prior.name, { count: prior.count, lastTimestamp: now });
        return;
      } catch {
        this.seen.delete(key); // expired or deleted: create anew
      }
    }
    const name = `${md.name}.${(Date.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : 'v1';
    await this.client.create(R.events, namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { kind: obj.kind, namespace: md.namespace, name: md.name, uid: md.uid, apiVersion, resourceVersion: md.resourceVersion },
      reason,
      message,
      type,
      source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host ?? '',
    } as KObject);
    if (this.seen.size >= MAX_SEEN) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(key, { name, namespace, count: 1 });
  }
}
