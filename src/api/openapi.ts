// OpenAPI v2 and v3 documents generated from the kind declarations: what `kubectl explain` reads,
// and what kubectl's query-parameter verifier inspects (PATCH operations tagged with their kind and
// listing fieldValidation) before asking the server for strict field validation.

import { createHash } from 'node:crypto';
import { apiVersionOf, type KindDef } from './kind.js';
import type { KindRegistry } from './registry.js';
import { resolve, type ObjectSchema, type Schema } from './schema.js';

type Json = Record<string, unknown>;
type Flavor = 'v2' | 'v3';

const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';

/** Converts schemas to OpenAPI, collecting named types as definitions. */
class Converter {
  readonly defs: Record<string, Json> = {};
  constructor(private flavor: Flavor) {
    this.defs[QUANTITY] = { type: 'string', description: 'A fixed-point number with a unit suffix, e.g. 100m, 1Gi, 2e3.' };
    this.defs[TIME] = { type: 'string', format: 'date-time', description: 'An RFC 3339 date and time, e.g. 2006-01-02T15:04:05Z.' };
    this.defs[INT_OR_STRING] = flavor === 'v3' ? { 'x-kubernetes-int-or-string': true, description: 'An integer or a string.' } : { type: 'string', format: 'int-or-string', description: 'An integer or a string.' };
    this.defs[STATUS] = {
      type: 'object',
      description: 'The result of an operation that returns no object, or an error.',
      properties: { kind: { type: 'string' }, apiVersion: { type: 'string' }, metadata: { type: 'object' }, status: { type: 'string' }, message: { type: 'string' }, reason: { type: 'string' }, details: { type: 'object' }, code: { type: 'integer', format: 'int32' } },
    };
    this.defs[DELETE_OPTIONS] = {
      type: 'object',
      description: 'Options for a delete.',
      properties: {
        kind: { type: 'string' },
        apiVersion: { type: 'string' },
        gracePeriodSeconds: { type: 'integer', format: 'int64' },
        propagationPolicy: { type: 'string' },
        orphanDependents: { type: 'boolean' },
        preconditions: { type: 'object', properties: { uid: { type: 'string' }, resourceVersion: { type: 'string' } } },
        dryRun: { type: 'array', items: { type: 'string' } },
      },
    };
    this.defs[PATCH] = { type: 'object', description: 'A patch: JSON patch, merge patch, strategic merge patch or apply configuration.' };
  }

  ref(name: string): Json {
    return { $ref: this.flavor === 'v3' ? `#/components/schemas/${name}` : `#/definitions/${name}` };
  }

  /** A field's schema: named objects become references (wrapped in allOf to keep a description in v3). */
  field(s0: Schema | (() => Schema)): Json {
    const s = resolve(s0);
    let r: Json | undefined;
    if (s.type === 'object' && s.name) {
      this.named(s);
      r = this.ref(s.name);
    } else if (s.type === 'string' && s.format === 'quantity') r = this.ref(QUANTITY);
    else if (s.type === 'string' && s.format === 'date-time') r = this.ref(TIME);
    else if (s.type === 'int-or-string') r = this.ref(INT_OR_STRING);
    if (r) {
      // A field that says no more than its type does is a plain reference (explain would repeat it).
      const typeDescription = s.type === 'object' && s.name ? this.defs[s.name]?.description : undefined;
      if ((!s.description || s.description === typeDescription) && s.default === undefined) return r;
      if (this.flavor === 'v3') return { allOf: [r], ...(s.description ? { description: s.description } : {}), ...(s.default !== undefined ? { default: s.default } : {}) };
      return { ...r, ...(s.description ? { description: s.description } : {}) };
    }
    return this.inline(s);
  }

  named(s: ObjectSchema) {
    if (this.defs[s.name!]) return;
    this.defs[s.name!] = {}; // reserve first: recursive types terminate
    this.defs[s.name!] = this.inline(s);
  }

  inline(s: Schema): Json {
    const base: Json = {};
    if (s.description) base.description = s.description;
    if (s.default !== undefined) base.default = s.default;
    // Swagger 2.0 has neither nullable nor the logical junctors: Kubernetes drops them from v2 too.
    if (this.flavor === 'v2') return this.typed(s, base);
    if (s.nullable) base.nullable = true;
    return { ...this.typed(s, base), ...(s.valueValidations ?? {}) };
  }

  private typed(s: Schema, base: Json): Json {
    const bounds = (n: { minimum?: number; maximum?: number; exclusiveMinimum?: boolean; exclusiveMaximum?: boolean; multipleOf?: number }): Json => {
      const out: Json = {};
      for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const) if (n[k] !== undefined) out[k] = n[k];
      return out;
    };
    const counts = (n: Record<string, unknown>, keys: string[]): Json => Object.fromEntries(keys.filter((k) => n[k] !== undefined).map((k) => [k, n[k]]));
    switch (s.type) {
      case 'string':
        return { ...base, type: 'string', ...(s.format ? { format: s.format } : {}), ...(s.enum ? { enum: s.enum } : {}), ...(s.pattern ? { pattern: s.pattern } : {}), ...counts(s as never, ['minLength', 'maxLength']) };
      case 'integer':
        return { ...base, type: 'integer', ...(s.format ? { format: s.format } : {}), ...bounds(s) };
      case 'number':
        return { ...base, type: 'number', format: s.format ?? 'double', ...bounds(s) };
      case 'boolean':
        return { ...base, type: 'boolean' };
      case 'int-or-string':
        return this.flavor === 'v3' ? { ...base, 'x-kubernetes-int-or-string': true } : { ...base, type: 'string', format: 'int-or-string' };
      case 'any':
        return this.flavor === 'v3' ? { ...base, 'x-kubernetes-preserve-unknown-fields': true } : { ...base, type: 'object' };
      case 'map':
        return { ...base, type: 'object', additionalProperties: this.field(s.values), ...counts(s as never, ['minProperties', 'maxProperties']), ...(s.mapType === 'atomic' ? { 'x-kubernetes-map-type': 'atomic' } : {}) };
      case 'array': {
        const out: Json = { ...base, type: 'array', items: this.field(s.items), ...counts(s as never, ['minItems', 'maxItems']) };
        if (s.listType) out['x-kubernetes-list-type'] = s.listType;
        if (s.listMapKeys) out['x-kubernetes-list-map-keys'] = s.listMapKeys;
        if (s.patchMergeKey) out['x-kubernetes-patch-merge-key'] = s.patchMergeKey;
        if (s.patchStrategy) out['x-kubernetes-patch-strategy'] = s.patchStrategy;
        return out;
      }
      case 'object': {
        const props: Json = {};
        for (const [k, v] of Object.entries(s.properties)) props[k] = this.field(v);
        const out: Json = { ...base, type: 'object', properties: props, ...counts(s as never, ['minProperties', 'maxProperties']) };
        const required = [...(s.required ?? []), ...(s.documentedRequired ?? [])];
        if (required.length) out.required = required;
        if (s.mapType === 'atomic') out['x-kubernetes-map-type'] = 'atomic';
        if (s.preserveUnknownFields) out['x-kubernetes-preserve-unknown-fields'] = true;
        return out;
      }
    }
  }

  /** A kind's definition, tagged with its group/version/kind so clients can find it. */
  kind(def: KindDef) {
    this.named(def.schema);
    const d = this.defs[def.schema.name!];
    d['x-kubernetes-group-version-kind'] = [{ group: def.group, kind: def.kind, version: def.version }];
    const listName = `${def.schema.name}List`;
    this.defs[listName] = {
      type: 'object',
      description: `A list of ${def.kind} objects.`,
      required: ['items'],
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: this.ref('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), items: { type: 'array', items: this.ref(def.schema.name!) } },
      'x-kubernetes-group-version-kind': [{ group: def.group, kind: def.listKind ?? `${def.kind}List`, version: def.version }],
    };
    this.defs['io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'] ??= { type: 'object', properties: { resourceVersion: { type: 'string' }, continue: { type: 'string' }, remainingItemCount: { type: 'integer', format: 'int64' } } };
  }
}

const q = (name: string, type: string, description: string) => ({ name, in: 'query', description, schema: { type }, type, uniqueItems: true });
const WRITE_PARAMS = [q('dryRun', 'string', 'When present, the change is validated but not persisted (All).'), q('fieldManager', 'string', 'Name of the actor making the change, for field ownership.'), q('fieldValidation', 'string', 'How to treat unknown or duplicate fields: Ignore, Warn (default) or Strict.')];
const LIST_PARAMS = ['labelSelector', 'fieldSelector', 'limit', 'continue', 'resourceVersion', 'resourceVersionMatch', 'watch', 'allowWatchBookmarks', 'timeoutSeconds', 'sendInitialEvents'].map((n) =>
  q(n, n === 'limit' || n === 'timeoutSeconds' ? 'integer' : n === 'watch' || n === 'allowWatchBookmarks' || n === 'sendInitialEvents' ? 'boolean' : 'string', `List option ${n}.`),
);

function operations(defs: KindDef[], c: Converter, flavor: Flavor): Json {
  // Custom resources take no strategic merge patch, and their paths say so: kubectl apply reads
  // this list to choose between a strategic and a JSON merge patch.
  const patchContent = (d: KindDef) => Object.fromEntries(['application/json-patch+json', 'application/merge-patch+json', ...(d.custom ? [] : ['application/strategic-merge-patch+json']), 'application/apply-patch+yaml'].map((t) => [t, { schema: c.ref(PATCH) }]));
  const paths: Json = {};
  const body = (name: string) => (flavor === 'v3' ? { requestBody: { content: { '*/*': { schema: c.ref(name) } }, required: true } } : { parameters: [{ name: 'body', in: 'body', required: true, schema: c.ref(name) }] });
  const resp = (name: string) => (flavor === 'v3' ? { '200': { description: 'OK', content: { 'application/json': { schema: c.ref(name) } } } } : { '200': { description: 'OK', schema: c.ref(name) } });
  for (const d of defs) {
    const gvk = { group: d.group, version: d.version, kind: d.kind };
    const prefix = `${d.group ? `/apis/${d.group}` : '/api'}/${d.version}${d.namespaced ? '/namespaces/{namespace}' : ''}/${d.plural}`;
    const name = d.schema.name!;
    const op = (action: string, id: string, extra: Json, params: unknown[] = []) => {
      const b = (extra.parameters as unknown[] | undefined) ?? [];
      return { ...extra, operationId: `${id}${d.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk, parameters: [...params, ...b], responses: extra.responses ?? resp(name) };
    };
    paths[prefix] = {
      get: op('list', 'list', { responses: resp(`${name}List`) }, LIST_PARAMS),
      post: op('post', 'create', body(name), WRITE_PARAMS),
      delete: op('deletecollection', 'deleteCollection', { responses: resp(STATUS) }, LIST_PARAMS),
    };
    const item = `${prefix}/{name}`;
    const patchOp = (target: string, id: string) =>
      op(
        'patch',
        id,
        {
          ...(flavor === 'v3' ? { requestBody: { content: patchContent(d) } } : { parameters: [{ name: 'body', in: 'body', required: true, schema: c.ref(PATCH) }] }),
          responses: resp(target),
        },
        [...WRITE_PARAMS, q('force', 'boolean', 'Take ownership of conflicting fields (server-side apply).')],
      );
    paths[item] = {
      get: op('get', 'read', {}),
      put: op('put', 'replace', body(name), WRITE_PARAMS),
      patch: patchOp(name, 'patch'),
      delete: op('delete', 'delete', { ...(flavor === 'v3' ? { requestBody: { content: { '*/*': { schema: c.ref(DELETE_OPTIONS) } } } } : {}), responses: resp(STATUS) }, [
        q('gracePeriodSeconds', 'integer', 'Seconds before the object is deleted.'),
        q('propagationPolicy', 'string', 'Foreground, Background or Orphan.'),
        q('dryRun', 'string', 'When present, nothing is persisted.'),
      ]),
    };
    if (d.subresources?.status) {
      paths[`${item}/status`] = { get: op('get', 'read', {}), put: op('put', 'replace', body(name), WRITE_PARAMS), patch: patchOp(name, 'patchStatus') };
    }
  }
  return paths;
}

function gvPath(d: Pick<KindDef, 'group' | 'version'>) {
  return d.group ? `apis/${d.group}/${d.version}` : `api/${d.version}`;
}

/** Documents are cached per registry and rebuilt when its kinds change. */
const cache = new WeakMap<KindRegistry, { v2?: Json; v3: Map<string, { doc: Json; hash: string }>; unsub: () => void }>();
function entry(reg: KindRegistry) {
  let e = cache.get(reg);
  if (!e) {
    e = { v3: new Map(), unsub: () => {} };
    const ee = e;
    e.unsub = reg.onChange(() => {
      ee.v2 = undefined;
      ee.v3.clear();
    });
    cache.set(reg, e);
  }
  return e;
}

export function openapiV2(reg: KindRegistry): Json {
  const e = entry(reg);
  if (e.v2) return e.v2;
  const c = new Converter('v2');
  const defs = reg.all();
  for (const d of defs) c.kind(d);
  const paths = operations(defs, c, 'v2');
  e.v2 = { swagger: '2.0', info: { title: 'Kubernetes (gifee)', version: 'v1.32.0' }, paths, definitions: c.defs };
  return e.v2;
}

function v3Doc(reg: KindRegistry, path: string): { doc: Json; hash: string } | undefined {
  const e = entry(reg);
  const hit = e.v3.get(path);
  if (hit) return hit;
  const defs = reg.all().filter((d) => gvPath(d) === path);
  if (defs.length === 0) return undefined;
  const c = new Converter('v3');
  for (const d of defs) c.kind(d);
  const paths = operations(defs, c, 'v3');
  const doc = { openapi: '3.0.0', info: { title: 'Kubernetes (gifee)', version: 'v1.32.0' }, paths, components: { schemas: c.defs } };
  const out = { doc, hash: createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 32).toUpperCase() };
  e.v3.set(path, out);
  return out;
}

export function openapiV3Index(reg: KindRegistry): Json {
  const paths: Json = {};
  const gvs = [...new Set(reg.all().map(gvPath))];
  for (const p of gvs) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${v3Doc(reg, p)!.hash}` };
  return { paths };
}

export function openapiV3Doc(reg: KindRegistry, groupVersionPath: string): Json | undefined {
  return v3Doc(reg, groupVersionPath.replace(/\?.*$/, ''))?.doc;
}

export { apiVersionOf };
