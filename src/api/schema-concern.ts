// Which parts of a schema a walker has to visit. Defaulting, quantity normalization and Go's
// omitempty each act on a few fields only (a Container has 30 properties and a handful of
// defaults), yet walking every property of every object for each of them is what made defaulting a
// 5,000-container pod take over 100 ms of one event-loop turn. A plan, computed once per schema
// object and kept (weakly) for the next request, lists the properties that lead to something the
// walker acts on; everything else is skipped without being looked at.

import { resolve, type ObjectSchema, type Schema } from './schema.js';

export interface Concern {
  /** A schema the walker acts on wherever it appears (a quantity, also as a list item or map value). */
  leaf?(s: Schema): boolean;
  /** An object's property the walker acts on (one with a default, an omitempty integer). */
  prop?(owner: ObjectSchema, key: string, s: Schema): boolean;
}

export interface PlannedProp {
  key: string;
  schema: Schema;
}

/** Deeper than this a schema is taken as relevant without looking (schemas built anew at each lookup cannot be memoized). */
const MAX_PLAN_DEPTH = 64;

export class ConcernPlan {
  private reached = new WeakMap<Schema, boolean>();
  private planned = new WeakMap<ObjectSchema, PlannedProp[]>();

  constructor(private readonly concern: Concern) {}

  /** Whether the walker acts on anything at or under s. */
  reaches(s: Schema, depth = 0): boolean {
    const known = this.reached.get(s);
    if (known !== undefined) return known;
    if (depth > MAX_PLAN_DEPTH) return true;
    // A recursive schema met again while it is being decided: assumed relevant (visits more, never less).
    this.reached.set(s, true);
    let out = this.concern.leaf?.(s) ?? false;
    if (!out && s.type === 'object') {
      for (const [k, f] of Object.entries(s.properties)) {
        const fs = resolve(f);
        if (this.concern.prop?.(s, k, fs) || this.reaches(fs, depth + 1)) {
          out = true;
          break;
        }
      }
    } else if (!out && s.type === 'array') out = this.reaches(resolve(s.items), depth + 1);
    else if (!out && s.type === 'map') out = this.reaches(resolve(s.values), depth + 1);
    this.reached.set(s, out);
    return out;
  }

  /** The properties of an object schema the walker has to visit, their schemas resolved. */
  propsOf(s: ObjectSchema): PlannedProp[] {
    let out = this.planned.get(s);
    if (!out) {
      out = [];
      for (const [key, f] of Object.entries(s.properties)) {
        const schema = resolve(f);
        if (this.concern.prop?.(s, key, schema) || this.reaches(schema)) out.push({ key, schema });
      }
      this.planned.set(s, out);
    }
    return out;
  }
}
