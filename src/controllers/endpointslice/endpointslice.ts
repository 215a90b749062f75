// The EndpointSlice controller (discovery.k8s.io/v1): every Service with a selector gets slices
// named <service>-<random>, labelled kubernetes.io/service-name and managed-by this controller,
// owned by the Service, listing its pods' addresses with ready/serving/terminating conditions,
// per-pod resolved ports and at most 100 endpoints a slice. Level-triggered from informer caches;
// a write's result is awaited in the cache before the next pass (so a slow watch never doubles slices).

import { servicesForPodChange } from '../util/endpoint-triggers.js';
import type { KObject } from '../../api/kind.js';
import { LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from '../../api/well-known.js';
import type { InformerLike } from '../../client/informer.js';
import { byNodeName, INDEX_NAMESPACE, INDEX_NODE_NAME } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { EventRecorder } from '../../client/events.js';
import { isNamespaceTerminating, isNotFound, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';
import { desiredGroups, type SliceEndpoint, type SlicePort, ZONE_LABEL } from './desired.js';
import { planSlices } from './plan.js';
import { hasManagedEndpoints, isHeadless } from '../util/endpoint-pods.js';

export const SERVICE_NAME_LABEL = LABEL_SERVICE_NAME;
export const MANAGED_BY_LABEL = LABEL_MANAGED_BY;
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** How long to wait for the cache to show our own write before acting anyway. */
const EXPECTATION_TIMEOUT_MS = 10_000;

type Expectation = { name: string; rv?: number; deleted?: boolean; since: number };

export class EndpointSliceController extends Controller {
  private services: InformerLike;
  private pods: InformerLike;
  private slices: InformerLike;
  private nodes: InformerLike;
  private events: EventRecorder;
  private expectations = new Map<string, Expectation[]>();

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('endpointslice', log, factory);
    this.services = this.informers.informer(R.services);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_NODE_NAME]: byNodeName });
    this.slices = this.informers.informer(R.endpointslices, { query: { labelSelector: `${MANAGED_BY_LABEL}=${CONTROLLER_NAME}` } });
    this.nodes = this.informers.informer(R.nodes);
    this.events = new EventRecorder(client, 'endpoint-slice-controller', log);
    this.watch(this.services, ownKey);
    this.watch(this.pods, (old, p) => servicesForPodChange(this.services, old, p));
    const slice = (o: KObject) => {
      const name = o.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (name) this.queue.add(`${o.metadata!.namespace}/${name}`);
    };
    this.slices.addHandlers({ onAdd: slice, onUpdate: (_, o) => slice(o), onDelete: slice });
    // A node's zone label feeds its endpoints' zone.
    this.nodes.addHandlers({
      onUpdate: (old, n) => {
        if (old.metadata?.labels?.[ZONE_LABEL] === n.metadata?.labels?.[ZONE_LABEL]) return;
        for (const p of this.pods.byIndex(INDEX_NODE_NAME, n.metadata?.name ?? '')) this.enqueue(servicesForPodChange(this.services, undefined, p));
      },
    });
  }

  /** Whether the cache shows every write this controller made for `key`; requeues the key if not. */
  private cacheCaughtUp(key: string, namespace: string): boolean {
    const pending = (this.expectations.get(key) ?? []).filter((e) => {
      if (Date.now() - e.since > EXPECTATION_TIMEOUT_MS) return false;
      const cur = this.slices.get(`${namespace}/${e.name}`);
      if (e.deleted) return !!cur;
      return !cur || Number(cur.metadata?.resourceVersion ?? 0) < (e.rv ?? 0);
    });
    if (pending.length) {
      this.expectations.set(key, pending);
      this.queue.addAfter(key, 50);
      return false;
    }
    this.expectations.delete(key);
    return true;
  }

  private expect(key: string, e: Omit<Expectation, 'since'>) {
    const list = this.expectations.get(key) ?? [];
    list.push({ ...e, since: Date.now() });
    this.expectations.set(key, list);
  }

  protected async reconcile(key: string) {
    const [namespace, name] = key.split('/');
    if (!this.cacheCaughtUp(key, namespace)) return;
    const svc = this.services.get(key);
    const ours = this.slices.byIndex(INDEX_NAMESPACE, namespace).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name);
    if (!svc || !hasManagedEndpoints(svc) || svc.metadata?.deletionTimestamp) {
      // Gone (the garbage collector would remove owned slices too) or no longer selecting pods.
      for (const s of ours) await this.remove(key, s);
      return;
    }
    try {
      await this.sync(key, svc, ours);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.events.record(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${msg}`);
      throw e;
    }
  }

  private async sync(key: string, svc: KObject, ours: KObject[]) {
    const namespace = svc.metadata!.namespace!;
    // Slices of an earlier Service of the same name are not ours to reuse.
    const current: KObject[] = [];
    for (const s of ours) {
      if ((s.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Service' && r.uid === svc.metadata?.uid)) current.push(s);
      else await this.remove(key, s);
    }
    const zoneOf = (node: string) => this.nodes.get(node)?.metadata?.labels?.[ZONE_LABEL];
    const pods = this.pods.byIndex(INDEX_NAMESPACE, namespace);
    const plan = planSlices(current, desiredGroups(svc, pods, zoneOf));
    const meta = this.sliceMeta(svc);
    for (const s of plan.delete) await this.remove(key, s);
    for (const u of plan.update) await this.write(key, { ...u.slice, metadata: { ...u.slice.metadata, labels: meta.labels, ownerReferences: meta.ownerReferences } }, u.ports, u.endpoints);
    for (const s of plan.keep) {
      // Labels follow the Service's (a relabelled Service relabels its slices).
      if (!deepEqual(s.metadata?.labels, meta.labels) || !deepEqual(s.metadata?.ownerReferences, meta.ownerReferences)) {
        await this.write(key, { ...s, metadata: { ...s.metadata, labels: meta.labels, ownerReferences: meta.ownerReferences } }, (s.ports as SlicePort[]) ?? [], (s.endpoints as SliceEndpoint[]) ?? []);
      }
    }
    for (const c of plan.create) {
      const obj: KObject = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { generateName: `${svc.metadata!.name}-`, namespace, ...meta }, addressType: 'IPv4', ports: c.ports, endpoints: c.endpoints };
      try {
        const created = await this.client.create(R.endpointslices, namespace, obj);
        this.expect(key, { name: created.metadata!.name!, rv: Number(created.metadata!.resourceVersion) });
      } catch (e) {
        // A namespace being deleted refuses creates; its Services go with it.
        if (isNamespaceTerminating(e)) return;
        throw e;
      }
    }
  }

  private sliceMeta(svc: KObject) {
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: svc.metadata!.name!, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
    if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
    const ownerReferences = [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }];
    return { labels, ownerReferences };
  }

  private async write(key: string, slice: KObject, ports: SlicePort[], endpoints: SliceEndpoint[]) {
    const updated = await this.client.update(R.endpointslices, { ...slice, ports, endpoints });
    this.expect(key, { name: updated.metadata!.name!, rv: Number(updated.metadata!.resourceVersion) });
  }

  private async remove(key: string, s: KObject) {
    try {
      await this.client.delete(R.endpointslices, s.metadata!.namespace, s.metadata!.name!);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    this.expect(key, { name: s.metadata!.name!, deleted: true });
  }
}
