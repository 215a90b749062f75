// Kinds served at several versions that share one storage (KindDef.conversion): objects are
// written at the storage version and converted at the edges. This is the one place that knows it:
// Objects converts what it reads and writes, so handlers, lists, tables, selectors and admission
// all see the version the request named; watches convert hub events (stored form) here too.
// A kind without `conversion` gets no view at all, so single-version kinds pay nothing.

import { apiVersionOf, type KindConversion, type KindDef, type KObject } from '../../api/kind.js';
import { ApiError, badRequest, internalError } from '../../api/errors.js';
import type { HubEvent } from './watch-hub.js';
import type { KindRegistry } from '../../api/registry.js';
import type { ObjectSchema } from '../../api/schema.js';
import { cloneJson } from '../../util/clone-json.js';

export interface VersionView {
  /** The version requests through this KindDef use, e.g. 'autoscaling/v1'. */
  readonly apiVersion: string;
  /** A stored object (any version the kind has stored) as the requested version. */
  fromStorage(obj: KObject): KObject;
  /** An object of the requested version as the storage version, to write. */
  toStorage(obj: KObject): KObject;
  /**
   * True when converting needs a call out (KindConversion.convertBatch, a CRD's conversion
   * webhook): the synchronous methods above then throw for objects of another version, and callers
   * use the batched ones below. False: callers keep the synchronous path (no promise per object).
   */
  readonly async: boolean;
  /** Stored objects as the requested version, converted in one batch (one ConversionReview). */
  fromStorageAll(objs: KObject[]): Promise<KObject[]>;
  /** toStorage that may wait for the conversion. */
  toStorageAsync(obj: KObject): Promise<KObject>;
}

/** A failed call-out conversion as a Status: 500 with Kubernetes' "conversion webhook for ... failed" message. */
function conversionFailure(e: unknown): ApiError {
  return e instanceof ApiError ? e : internalError(e);
}

/** Converts the objects not already at `apiVersion` in one batch, keeping the others and the order. */
async function batch(convertBatch: NonNullable<KindConversion['convertBatch']>, objs: KObject[], apiVersion: string, version: string): Promise<KObject[]> {
  const todo = objs.filter((o) => o.apiVersion !== apiVersion);
  if (todo.length === 0) return objs;
  let converted: KObject[];
  try {
    converted = await convertBatch(todo, version);
  } catch (e) {
    throw conversionFailure(e);
  }
  let i = 0;
  return objs.map((o) => (o.apiVersion === apiVersion ? o : converted[i++]));
}

const views = new WeakMap<KindDef, VersionView>();

/** The view of a KindDef, or undefined when the kind has one version (nothing to convert). */
export function versionViewOf(def: KindDef): VersionView | undefined {
  const conv = def.conversion;
  if (!conv) return undefined;
  let v = views.get(def);
  if (v) return v;
  const apiVersion = apiVersionOf(def);
  const storageApiVersion = apiVersionOf({ group: def.group, version: conv.storageVersion });
  const convertBatch = conv.convertBatch;
  v = {
    apiVersion,
    async: !!convertBatch,
    fromStorageAll(objs) {
      if (convertBatch) return batch(convertBatch, objs, apiVersion, def.version);
      try {
        return Promise.resolve(objs.map((o) => this.fromStorage(o)));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    async toStorageAsync(obj) {
      if (!convertBatch) return this.toStorage(obj);
      return (await batch(convertBatch, [obj], storageApiVersion, conv.storageVersion))[0];
    },
    fromStorage(obj) {
      if (obj.apiVersion === apiVersion) return obj;
      try {
        return conv.convert(obj, def.version);
      } catch (e) {
        if (e instanceof ApiError) throw e;
        // A stored object the kind cannot convert is the server's fault, not the client's.
        throw internalError(new Error(`converting ${def.kind} ${obj.metadata?.name ?? ''} from ${String(obj.apiVersion)} to ${apiVersion}: ${e instanceof Error ? e.message : String(e)}`));
      }
    },
    toStorage(obj) {
      if (obj.apiVersion === storageApiVersion) return obj;
      try {
        return conv.convert(obj, conv.storageVersion);
      } catch (e) {
        if (e instanceof ApiError) throw e;
        // What the client sent (an annotation carrying another version's fields) does not convert.
        throw badRequest(`converting ${def.kind} from ${apiVersion} to ${storageApiVersion}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
  views.set(def, v);
  return v;
}

/** Serializations and conversions a hub event keeps for the watchers of each version. */
interface EventViews {
  object: KObject;
  old?: KObject;
}

const eventViews = new WeakMap<HubEvent, Map<string, EventViews>>();

/**
 * A hub event (stored form) as the view's version, converted once per event and version however
 * many watchers ask. Without a view the event is returned as is.
 */
export function eventAs(view: VersionView | undefined, e: HubEvent): { object: KObject; old?: KObject } {
  if (!view) return e;
  let m = eventViews.get(e);
  if (!m) eventViews.set(e, (m = new Map()));
  let v = m.get(view.apiVersion);
  if (!v) m.set(view.apiVersion, (v = { object: view.fromStorage(e.object), old: e.old ? view.fromStorage(e.old) : undefined }));
  return v;
}

/**
 * eventAs for views that wait (async): the objects of all `events` not yet converted to the view's
 * version go in one batch; each event's conversion is kept so other watchers of that version reuse it.
 * Rejects (ApiError) when the conversion fails.
 */
export async function eventsAs(view: VersionView, events: HubEvent[]): Promise<{ object: KObject; old?: KObject }[]> {
  if (!view.async) return events.map((e) => eventAs(view, e));
  const pending: HubEvent[] = [];
  for (const e of events) if (!asyncEventViews.get(e)?.has(view.apiVersion)) pending.push(e);
  if (pending.length) {
    const objs: KObject[] = [];
    for (const e of pending) objs.push(e.object, ...(e.old ? [e.old] : []));
    const all = view.fromStorageAll(objs);
    let at = 0;
    for (const e of pending) {
      const i = at;
      at += e.old ? 2 : 1;
      let m = asyncEventViews.get(e);
      if (!m) asyncEventViews.set(e, (m = new Map()));
      m.set(
        view.apiVersion,
        all.then((c) => ({ object: c[i], old: e.old ? c[i + 1] : undefined })),
      );
    }
    // Every event's promise rejects with the batch (the awaits below observe it); a failure is not
    // kept, so a watcher replaying these events once the webhook is back converts them afresh.
    all.catch(() => {
      for (const e of pending) asyncEventViews.get(e)?.delete(view.apiVersion);
    });
  }
  return Promise.all(events.map((e) => asyncEventViews.get(e)?.get(view.apiVersion) as Promise<EventViews>));
}

const asyncEventViews = new WeakMap<HubEvent, Map<string, Promise<EventViews>>>();

/** The key under which a watcher caches an event's serialization: per version when the kind has several. */
export function serializationKey(view: VersionView | undefined, type: string): string {
  return view ? `${view.apiVersion} ${type}` : type;
}

/**
 * For field ownership across versions (patch/cross-version.ts): the schema of another served version
 * of def's kind and a conversion to it. Undefined for single-version kinds.
 */
export function otherVersionsOf(registry: KindRegistry, def: KindDef): ((apiVersion: string) => { schema: ObjectSchema; convert(o: KObject): KObject } | undefined) | undefined {
  if (!def.conversion) return undefined;
  return (apiVersion) => {
    const slash = apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    if (group !== def.group) return undefined;
    const other = registry.byResource(def.group, apiVersion.slice(slash + 1), def.plural);
    const view = other && versionViewOf(other);
    // A conversion that waits (a webhook) cannot run inside the synchronous field diff: ownership
    // of managers at other versions is then left as recorded, unless prefetchOtherVersions (below)
    // fetched the conversions ahead.
    if (!other || !view || view.async) return undefined;
    return { schema: other.schema, convert: (o) => view.fromStorage(o) };
  };
}

type OtherVersionsFn = (apiVersion: string) => { schema: ObjectSchema; convert(o: KObject): KObject | undefined } | undefined;

/**
 * otherVersionsOf for a write that may need a kind's call-out conversion (a CRD's conversion webhook)
 * to compare ownership at other versions. The field diff is synchronous, so `run` (the ownership
 * computation, deterministic) first goes once with identity conversions that only note which
 * objects it needs at which versions; those are converted in one batch per version (one
 * ConversionReview each) and the answer serves them from that batch, keyed by their JSON. A first
 * pass's errors (conflicts judged without the conversions) mean nothing and are dropped. A failing
 * webhook fails the write, as in Kubernetes, whose field manager converts through it too.
 */
export async function prefetchOtherVersions(registry: KindRegistry, def: KindDef, run: (others: OtherVersionsFn) => unknown): Promise<OtherVersionsFn | undefined> {
  const sync = otherVersionsOf(registry, def);
  if (!sync) return undefined;
  const wanted = new Map<string, { schema: ObjectSchema; view: VersionView; objs: Map<string, KObject> }>();
  const asyncView = (apiVersion: string) => {
    const slash = apiVersion.lastIndexOf('/');
    if ((slash < 0 ? '' : apiVersion.slice(0, slash)) !== def.group) return undefined;
    const other = registry.byResource(def.group, apiVersion.slice(slash + 1), def.plural);
    const view = other && versionViewOf(other);
    return other && view?.async ? { schema: other.schema, view } : undefined;
  };
  const noting: OtherVersionsFn = (apiVersion) => {
    const s = sync(apiVersion);
    if (s) return s;
    const a = asyncView(apiVersion);
    if (!a) return undefined;
    let w = wanted.get(apiVersion);
    if (!w) wanted.set(apiVersion, (w = { ...a, objs: new Map() }));
    const objs = w.objs;
    return {
      schema: a.schema,
      convert: (o) => {
        objs.set(JSON.stringify(o), o);
        return o;
      },
    };
  };
  try {
    run(noting);
  } catch {
    // Judged without the conversions: the real pass decides.
  }
  if (wanted.size === 0) return sync;
  const converted = new Map<string, { schema: ObjectSchema; byJson: Map<string, KObject> }>();
  for (const [apiVersion, w] of wanted) {
    const keys = [...w.objs.keys()];
    const out = await w.view.fromStorageAll(keys.map((k) => cloneJson(w.objs.get(k)!)));
    converted.set(apiVersion, { schema: w.schema, byJson: new Map(keys.map((k, i) => [k, out[i]])) });
  }
  return (apiVersion) => {
    const c = converted.get(apiVersion);
    if (!c) return sync(apiVersion);
    return { schema: c.schema, convert: (o) => c.byJson.get(JSON.stringify(o)) };
  };
}

/** An object of one served version of a kind as another served version shows it (admission: matchPolicy Equivalent). */
export async function objectAsVersion(obj: KObject | undefined, from: KindDef, to: KindDef): Promise<KObject | undefined> {
  if (!obj || from === to) return obj;
  const toView = versionViewOf(to);
  const fromView = versionViewOf(from);
  if (!toView || !fromView) return obj;
  // A conversion that calls out (a CRD's conversion webhook) waits; others stay synchronous.
  if (toView.async || fromView.async) return (await toView.fromStorageAll([await fromView.toStorageAsync(cloneJson(obj))]))[0];
  return toView.fromStorage(fromView.toStorage(cloneJson(obj)));
}
