// OpenAPI v3 of extension API servers, as kube-aggregator publishes it: this server's /openapi/v3
// index lists apis/<group>/<version> of every available extension, and the document behind it is
// the extension server's own (its /openapi/v3 index, then the entry for that group/version),
// fetched on demand as system:kube-aggregator and kept for a minute. kubectl explain reads it.
// (OpenAPI v2 is not merged: /openapi/v2 lists the built-in kinds only.)

import type { APIService } from '../../api/kinds/apiregistration/apiservice.js';
import type { ApiState } from '../context.js';
import { getFromExtension } from './extension-get.js';
import type { ProxyClient } from './proxy.js';
import { resolveService } from './resolve.js';

const MAX_OPENAPI_BYTES = 16 * 1024 * 1024;
const TIMEOUT_MS = 5000;
const KEEP_MS = 60_000;

export class ExtensionOpenApi {
  private cache = new Map<string, { at: number; rv: string; doc: unknown }>();

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
