// OpenAPI v3 of extension API servers, as kube-aggregator publishes it: this server's /openapi/v3
// index lists apis/<group>/<version> of every available extension, and the document behind it is
// the extension server's own (its /openapi/v3 index, then the entry for that group/version),
// fetched on demand as system:kube-aggregator and kept for a minute. kubectl explain reads it.
// OpenAPI v2 (/openapi/v2) gains each extension's paths under its own group and the definitions
// this server lacks (this server's win), from the extension's /openapi/v2, kept for a minute.

import type { APIService } from '../../api/kinds/apiregistration/apiservice.js';
import type { ApiState } from '../context.js';
import { getFromExtension } from './extension-get.js';
import type { ProxyClient } from './proxy.js';
import { resolveService } from '../services/resolve-endpoint.js';

export type V2Doc = { paths?: Record<string, unknown>; definitions?: Record<string, unknown>; [k: string]: unknown };
const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

const MAX_OPENAPI_BYTES = 16 * 1024 * 1024;
const TIMEOUT_MS = 5000;
const KEEP_MS = 60_000;

export class ExtensionOpenApi {
  private cache = new Map<string, { at: number; rv: string; doc: unknown }>();
  private v2cache = new Map<string, { at: number; rv: string; doc: V2Doc | undefined }>();
  private lastMerge?: { base: object; sig: string; merged: V2Doc };

  constructor(
    private state: ApiState,
    private client: ProxyClient,
  ) {}

  /** Index entries for the available extension group/versions (hash: the APIService's resourceVersion). */
  indexEntries(services: APIService[]): Record<string, { serverRelativeURL: string }> {
    const out: Record<string, { serverRelativeURL: string }> = {};
    for (const a of services) {
      const p = `apis/${a.spec?.group}/${a.spec?.version}`;
      out[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${encodeURIComponent(a.metadata?.resourceVersion ?? '0')}` };
    }
    return out;
  }

  /** The extension server's OpenAPI v3 document of a's group/version; undefined when it has none or cannot be reached. */
  async document(a: APIService): Promise<unknown | undefined> {
    const name = a.metadata?.name ?? '';
    const rv = a.metadata?.resourceVersion ?? '';
    const held = this.cache.get(name);
    if (held && held.rv === rv && Date.now() - held.at < KEEP_MS) return held.doc;
    const doc = await this.fetch(a).catch((e: Error) => {
      this.state.log.warn('could not fetch OpenAPI v3 of an extension server', { apiservice: name, err: e.message });
      return undefined;
    });
    if (doc !== undefined) {
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(name, { at: Date.now(), rv, doc });
    }
    return doc;
  }

  /** The base v2 document with the available extensions' paths and definitions merged in (the same object while nothing changed). */
  async mergedV2(base: V2Doc, services: APIService[]): Promise<V2Doc> {
    if (services.length === 0) return base;
    const docs = await Promise.all(services.map(async (a) => ({ a, doc: await this.v2Document(a) })));
    const sig = docs.map(({ a }) => `${a.metadata?.name}@${this.v2cache.get(a.metadata?.name ?? '')?.at}`).join(',');
    if (this.lastMerge && this.lastMerge.base === base && this.lastMerge.sig === sig) return this.lastMerge.merged;
    const paths = { ...(base.paths ?? {}) };
    const definitions = { ...(base.definitions ?? {}) };
    for (const { a, doc } of docs) {
      if (!doc) continue;
      const prefix = `/apis/${a.spec?.group}/${a.spec?.version}/`;
      // Only the extension's own group/version: a server cannot redefine others' paths.
      for (const [p, v] of Object.entries(doc.paths ?? {})) if (p.startsWith(prefix) && !(p in paths)) paths[p] = v;
      for (const [d, v] of Object.entries(doc.definitions ?? {})) if (!(d in definitions)) definitions[d] = v;
    }
    const merged = { ...base, paths, definitions };
    this.lastMerge = { base, sig, merged };
    return merged;
  }

  private async v2Document(a: APIService): Promise<V2Doc | undefined> {
    const name = a.metadata?.name ?? '';
    const rv = a.metadata?.resourceVersion ?? '';
    const held = this.v2cache.get(name);
    if (held && held.rv === rv && Date.now() - held.at < KEEP_MS) return held.doc;
    let doc: V2Doc | undefined;
    try {
      const target = await resolveService(this.state, a.spec?.service ?? {});
      const r = await getFromExtension(target, '/openapi/v2', a, this.client, { maxBytes: MAX_OPENAPI_BYTES, timeoutMs: TIMEOUT_MS });
      const parsed: unknown = r.status === 200 ? JSON.parse(r.body) : undefined;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const p = parsed as V2Doc;
        doc = { paths: isRecord(p.paths) ? p.paths : {}, definitions: isRecord(p.definitions) ? p.definitions : {} };
      }
    } catch (e) {
      this.state.log.warn('could not fetch OpenAPI v2 of an extension server', { apiservice: name, err: (e as Error).message });
    }
    if (this.v2cache.size > 1000) this.v2cache.clear();
    // A failure is kept too (for the same minute): discovery of a broken server must not stall every request.
    this.v2cache.set(name, { at: Date.now(), rv, doc });
    return doc;
  }

  private async fetch(a: APIService): Promise<unknown | undefined> {
    const target = await resolveService(this.state, a.spec?.service ?? {});
    const limits = { maxBytes: MAX_OPENAPI_BYTES, timeoutMs: TIMEOUT_MS };
    const index = await getFromExtension(target, '/openapi/v3', a, this.client, limits);
    if (index.status !== 200) return undefined;
    const entry = (JSON.parse(index.body) as { paths?: Record<string, { serverRelativeURL?: unknown }> })?.paths?.[`apis/${a.spec?.group}/${a.spec?.version}`];
    const url = entry?.serverRelativeURL;
    // Only a path on the same server: an index cannot send this server elsewhere.
    if (typeof url !== 'string' || !url.startsWith('/openapi/v3/')) return undefined;
    const doc = await getFromExtension(target, url, a, this.client, limits);
    if (doc.status !== 200) return undefined;
    const parsed: unknown = JSON.parse(doc.body);
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  }
}
