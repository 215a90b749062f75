// Custom resources are defaulted on read, watch events included: Kubernetes defaults what it decodes
// from storage, so a default added to a CRD's schema shows on objects stored before (gets and lists
// do this in storage/objects.ts). A watch event is shared by every watcher of its version; its
// defaulted copy is made once per event and schema and shared too, never written into the event.

import { applySchemaDefaults } from '../../api/defaults.js';
import type { KindDef, KObject } from '../../api/kind.js';
import { cloneJson } from '../../util/clone-json.js';

type EventObjects = { object: KObject; old?: KObject };

const byEvent = new WeakMap<EventObjects, WeakMap<KindDef, EventObjects>>();
const defIds = new WeakMap<KindDef, number>();
let nextId = 0;

const defaulted = (def: KindDef, o: KObject): KObject => {
  const copy = cloneJson(o);
  applySchemaDefaults(def.schema, copy);
  return copy;
};

/** ev as a watcher of def (a custom kind) sends it: defaulted by def's schema. Built-in kinds: ev itself. */
export function withReadDefaults(def: KindDef, ev: EventObjects): EventObjects {
  if (!def.custom) return ev;
  let m = byEvent.get(ev);
  if (!m) byEvent.set(ev, (m = new WeakMap()));
  let d = m.get(def);
  if (!d) m.set(def, (d = { object: defaulted(def, ev.object), old: ev.old ? defaulted(def, ev.old) : undefined }));
  return d;
}

/** A suffix for an event's shared serialization: watchers of one custom kind under two schemas (a CRD just updated) must not share text. */
export function schemaKey(def: KindDef): string {
  if (!def.custom) return '';
  let id = defIds.get(def);
  if (id === undefined) defIds.set(def, (id = nextId++));
  return `#${id}`;
}
