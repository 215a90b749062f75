// Kinds served at several versions that share one storage (KindDef.conversion): objects are
// written at the storage version and converted at the edges. This is the one place that knows it:
// Objects converts what it reads and writes, so handlers, lists, tables, selectors and admission
// all see the version the request named; watches convert hub events (stored form) here too.
// A kind without `conversion` gets no view at all, so single-version kinds pay nothing.

import { apiVersionOf, type KindDef, type KObject } from '../../api/kind.js';
import { ApiError, badRequest, internalError } from '../../api/errors.js';
import type { HubEvent } from './watch-hub.js';
import type { KindRegistry } from '../../api/registry.js';
import type { ObjectSchema } from '../../api/schema.js';

export interface VersionView {
  /** The version requests through this KindDef use, e.g. 'autoscaling/v1'. */
  readonly apiVersion: string;
  /** A stored object (any version the kind has stored) as the requested version. */
  fromStorage(obj: KObject): KObject;
  /** An object of the requested version as the storage version, to write. */
  toStorage(obj: KObject): KObject;
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
  v = {
    apiVersion,
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
    if (!other || !view) return undefined;
    return { schema: other.schema, convert: (o) => view.fromStorage(o) };
  };
}
