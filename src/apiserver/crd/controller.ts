// kube-apiserver's apiextensions controllers, inside the API server: every CRD is followed through
// its watch hub (so several API servers over one etcd all serve what any of them stored); names
// are decided (naming controller), the status written (NamesAccepted, Established, acceptedNames,
// storedVersions), established versions are served as KindDefs in the shared KindRegistry, and a
// deleting CRD's objects are deleted before its cleanup finalizer is removed (finalizer controller).

import { rfc3339 } from '../../util/time.js';
import type { KindDef, KObject } from '../../api/kind.js';
import { crdKindDefs } from '../../api/crd/kinddefs.js';
import { decideNames, emptyHeld, type HeldNames, holdNames } from '../../api/crd/names.js';
import { CLEANUP_FINALIZER, type Crd, CRD_GROUP, type CrdNames } from '../../api/crd/types.js';
import type { ApiState } from '../context.js';
import { Objects } from '../storage/objects.js';
import { WatchedKind } from '../storage/watched-kind.js';
import { desiredStatus } from './status.js';
import { convertThroughWebhook } from './webhook-conversion.js';
import type { ServiceResolver } from '../webhooks/client.js';
import { storageServiceResolver } from '../webhooks/service-resolver.js';
import { ApiError } from '../../api/errors.js';

const CLEANUP_RETRY_MS = 1000;
const PAGE = 500;

interface Served {
  fingerprint: string;
  defs: KindDef[];
}

export class CrdController {
  private crds = new Map<string, Crd>();
  private served = new Map<string, Served>();
  private terminating = new Set<string>();
  private cleaning = new Set<string>();
  private watched: WatchedKind;
  private syncing = false;
  private again = false;
  private closed = false;
  private readonly crdDef: KindDef;
  /** Where a conversion webhook's Service is (this server's storage). */
  private readonly resolve: ServiceResolver;

  constructor(private state: ApiState) {
    this.resolve = storageServiceResolver(state);
    const def = state.registry.byResource(CRD_GROUP, 'v1', 'customresourcedefinitions');
    if (!def) throw new Error('the CustomResourceDefinition kind is not registered');
    this.crdDef = def;
    this.watched = new WatchedKind({
      what: 'CRD controller',
      objects: () => state.objects(def),
      hub: () => state.hub(def),
      log: state.log.child({ controller: 'apiextensions' }),
      sink: {
        clear: () => this.crds.clear(),
        put: (o) => {
          this.crds.set(o.metadata?.name ?? '', o as Crd);
          this.schedule();
        },
        remove: (o) => {
          this.crds.delete(o.metadata?.name ?? '');
          this.schedule();
        },
      },
    });
  }

  /** Lists the CRDs and serves the established ones before returning (start-up registers them from the store). */
  async start() {
    await this.watched.start();
    await this.sync();
  }

  close() {
    this.closed = true;
    this.watched.close();
  }

  private schedule() {
    if (this.closed || !this.watched.filled) return;
    setImmediate(() => void this.sync());
  }

  /** One pass over every CRD; passes never overlap (a change during one asks for another). */
  async sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.again = false;
        await this.pass();
      } while (this.again && !this.closed);
    } catch (e) {
      this.state.log.warn('CRD controller pass failed; retrying', { err: e instanceof Error ? e.message : String(e) });
      setTimeout(() => void this.sync(), CLEANUP_RETRY_MS).unref();
    } finally {
      this.syncing = false;
    }
  }

  private builtinHeld(group: string): HeldNames {
    const held = emptyHeld();
    for (const d of this.state.registry.all()) {
      if (d.custom || d.group !== group) continue;
      holdNames(held, { plural: d.plural, singular: d.singular, kind: d.kind, listKind: d.listKind ?? `${d.kind}List`, shortNames: d.shortNames });
    }
    return held;
  }

  private async pass() {
    const crds = [...this.crds.values()].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const decided = new Map<string, CrdNames>();
    // Built-in kinds' names per group, gathered once per pass (not once per CRD).
    const builtins = new Map<string, HeldNames>();
    for (const crd of crds) {
      const name = crd.metadata?.name ?? '';
      const group = crd.spec?.group ?? '';
      let base = builtins.get(group);
      if (!base) builtins.set(group, (base = this.builtinHeld(group)));
      const held = copyHeld(base);
      for (const other of crds) {
        if (other === crd || other.spec?.group !== group) continue;
        holdNames(held, decided.get(other.metadata?.name ?? '') ?? other.status?.acceptedNames);
      }
      const decision = decideNames(crd.spec?.names, crd.status?.acceptedNames, held);
      decided.set(name, decision.accepted);
      const accepted = decision.condition.status === 'True' || crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      if (crd.metadata?.deletionTimestamp) this.terminating.add(name);
      else this.terminating.delete(name);
      // Served before Established is written: a client that saw the condition finds the kind in discovery.
      if (accepted && decision.condition.status === 'True') this.serve(crd, decision.accepted);
      else if (!accepted) this.unserve(name);
      const status = desiredStatus(crd, decision);
      if (status && !crd.metadata?.deletionTimestamp) await this.writeStatus(name, status);
      if (crd.metadata?.deletionTimestamp && (crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) void this.cleanup(crd);
    }
    for (const name of [...this.served.keys()]) if (!this.crds.has(name)) this.unserve(name);
  }

  private serve(crd: Crd, names: CrdNames) {
    const name = crd.metadata?.name ?? '';
    const fingerprint = JSON.stringify([crd.spec, names]);
    if (this.served.get(name)?.fingerprint === fingerprint) return;
    const defs = crdKindDefs(crd, names, { terminating: () => this.terminating.has(name), convertViaWebhook: (cc, objs, to, reviewVersion) => convertThroughWebhook(cc, objs, to, reviewVersion, this.resolve) });
    const old = this.served.get(name);
    for (const d of old?.defs ?? []) if (!defs.some((n) => n.version === d.version && n.plural === d.plural && n.group === d.group)) this.state.registry.remove(d.group, d.version, d.plural);
    for (const d of defs) this.state.registry.add(d);
    this.served.set(name, { fingerprint, defs });
  }

  private unserve(name: string) {
    const s = this.served.get(name);
    if (!s) return;
    for (const d of s.defs) this.state.registry.remove(d.group, d.version, d.plural);
    this.served.delete(name);
  }

  private async writeStatus(name: string, status: Crd['status']) {
    try {
      await this.state.objects(this.crdDef).guaranteedUpdate(undefined, name, (cur) => {
        const next = desiredStatus({ ...(cur as Crd), status: (cur as Crd).status }, { accepted: status?.acceptedNames ?? {}, condition: conditionFrom(status) });
        if (!next) return null;
        return { ...cur, status: next };
      });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }

  /** Deletes every object of a deleting CRD, then removes its finalizer (the CRD then goes). */
  private async cleanup(crd: Crd) {
    const name = crd.metadata?.name ?? '';
    if (this.cleaning.has(name)) return;
    this.cleaning.add(name);
    try {
      const def = this.served.get(name)?.defs[0] ?? crdKindDefs(crd, crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : (crd.spec?.names ?? {}), { terminating: () => true })[0];
      // As Kubernetes' finalizer: instances are deleted only of a CRD that was served, and never
      // those of a built-in kind with the same names (a chart's copy of a CRD gifee has built in,
      // e.g. snapshot.storage.k8s.io's): the data would be the built-in kind's.
      const builtIn = !!def && this.state.registry.all().some((d) => !d.custom && d.group === def.group && d.plural === def.plural);
      const established = this.served.has(name) || crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
      const skipped = builtIn ? { reason: 'OverlappingBuiltInResource', message: 'instances overlap with built-in resources in storage' } : !established ? { reason: 'NeverEstablished', message: 'resource was never established' } : undefined;
      if (def && !skipped) {
        // Stored objects as they are (no conversion: a Webhook-converted kind must still go).
        const raw = new Objects(this.state.store, { ...def, conversion: undefined });
        while (!this.closed) {
          const page = await raw.list(undefined, { limit: PAGE });
          if (page.items.length === 0) break;
          for (const o of page.items) await this.deleteObject(raw, o);
          // Objects held by their own finalizers: wait for their controllers, as Kubernetes does.
          if (page.items.every((o) => o.metadata?.deletionTimestamp && (o.metadata.finalizers ?? []).length > 0)) await new Promise((r) => setTimeout(r, CLEANUP_RETRY_MS));
        }
      }
      if (this.closed) return;
      const crds = this.state.objects(this.crdDef);
      const cur = await crds.get(undefined, name);
      if (!cur || !(cur.obj.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
      const next = structuredClone(cur.obj) as Crd;
      next.metadata!.finalizers = next.metadata!.finalizers!.filter((f) => f !== CLEANUP_FINALIZER);
      if (next.metadata!.finalizers.length === 0) {
        delete next.metadata!.finalizers;
        await crds.delete(undefined, name, cur.revision);
      } else {
        const conditions = (next.status?.conditions ?? []).map((c) => (c.type === 'Terminating' ? { ...c, ...(skipped ? { status: 'False' as const, ...skipped } : { reason: 'InstanceDeletionCompleted', message: 'removed all instances' }) } : c));
        next.status = { ...next.status, conditions };
        await crds.update(next, cur.revision);
      }
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) this.state.log.warn('CRD cleanup failed; retrying', { crd: name, err: e instanceof Error ? e.message : String(e) });
      setTimeout(() => void this.sync(), CLEANUP_RETRY_MS).unref();
    } finally {
      this.cleaning.delete(name);
    }
  }

  private async deleteObject(objects: Objects, o: KObject) {
    const meta = o.metadata ?? {};
    try {
      if ((meta.finalizers ?? []).length === 0) {
        await objects.delete(meta.namespace, meta.name ?? '');
        return;
      }
      if (meta.deletionTimestamp) return;
      await objects.guaranteedUpdate(meta.namespace, meta.name ?? '', (cur) => {
        if (cur.metadata?.deletionTimestamp) return null;
        cur.metadata = { ...cur.metadata, deletionTimestamp: rfc3339(), deletionGracePeriodSeconds: 0 };
        return cur;
      });
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) return;
      throw e;
    }
  }
}

const copyHeld = (h: HeldNames): HeldNames => ({ plurals: new Set(h.plurals), singulars: new Set(h.singulars), kinds: new Set(h.kinds), listKinds: new Set(h.listKinds), shortNames: new Set(h.shortNames) });

function conditionFrom(status: Crd['status']) {
  const c = status?.conditions?.find((x) => x.type === 'NamesAccepted');
  return { status: (c?.status === 'True' ? 'True' : 'False') as 'True' | 'False', reason: c?.reason ?? '', message: c?.message ?? '' };
}

/** Installs the controllers: CRDs are served before the server reports ready. */
export function installCrds(state: ApiState): CrdController {
  const c = new CrdController(state);
  state.postStartHooks.push({ name: 'start-apiextensions-controllers', run: () => c.start() });
  return c;
}
