// The Endpoints controller (core/v1 Endpoints, named as its Service): kept for clients that read
// Endpoints rather than EndpointSlices. Services without a selector are left alone (their Endpoints
// are written by users, like the kubernetes Service's by the API server).

import { servicesForPodChange } from '../util/endpoint-triggers.js';
import type { KObject } from '../../api/kind.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { INDEX_NAMESPACE } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { EventRecorder } from '../../client/events.js';
import { isConflict, isNamespaceTerminating, isNotFound, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';
import { hasManagedEndpoints, isHeadless } from '../util/endpoint-pods.js';
import { desiredSubsets } from './subsets.js';

const OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export class EndpointsController extends Controller {
  private services: InformerLike;
  private pods: InformerLike;
  private endpoints: InformerLike;
  private events: EventRecorder;
  /** Resource versions of our own last writes, so a lagging cache does not make us write twice (or 409). */
  private written = new Map<string, number>();

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('endpoints', log, factory);
    this.services = this.informers.informer(R.services);
    this.pods = this.informers.informer(R.pods);
    this.endpoints = this.informers.informer(R.endpoints);
    this.events = new EventRecorder(client, 'endpoint-controller', log);
    this.watch(this.services, ownKey);
    this.watch(this.pods, (old, p) => servicesForPodChange(this.services, old, p));
    // Someone else changed or deleted an Endpoints object of a selecting Service: put it back.
    this.watch(this.endpoints, (old, o) => (old ? keyOf(o ?? old) : undefined));
  }

  protected async reconcile(key: string) {
    const [namespace, name] = key.split('/');
    const svc = this.services.get(key);
    let current = this.endpoints.get(key);
    const mine = this.written.get(key);
    if (current && mine && Number(current.metadata?.resourceVersion) < mine) {
      this.queue.addAfter(key, 50); // the cache has not seen our last write yet
      return;
    }
    if (!svc) {
      // Deleted with its Service (Endpoints carry no owner reference in Kubernetes).
      if (current) {
        try {
          await this.client.delete(R.endpoints, namespace, name);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
      this.written.delete(key);
      return;
    }
    if (!hasManagedEndpoints(svc) || svc.metadata?.deletionTimestamp) return;
    const pods = this.pods.byIndex(INDEX_NAMESPACE, namespace);
    const { subsets, truncated } = desiredSubsets(svc, pods);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY] = 'truncated';
    else delete annotations[OVER_CAPACITY];
    if (current && deepEqual(current.subsets ?? [], subsets) && deepEqual(current.metadata?.labels ?? {}, labels) && deepEqual(current.metadata?.annotations ?? {}, annotations)) return;
    try {
      let written: KObject;
      if (!current) {
        written = await this.client.create(R.endpoints, namespace, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) }, subsets });
      } else {
        current = structuredClone(current);
        written = await this.client.update(R.endpoints, { ...current, metadata: { ...current.metadata, labels, annotations }, subsets });
      }
      this.written.set(key, Number(written.metadata?.resourceVersion ?? 0));
    } catch (e) {
      if (isNamespaceTerminating(e)) return;
      if (isConflict(e)) throw e; // the cache catches up; retried with backoff
      this.events.record(svc, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }
}
