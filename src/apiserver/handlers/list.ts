// LIST: label and field selectors, consistent pagination (limit/continue at one revision),
// resourceVersion semantics, and the Table / PartialObjectMetadata representations kubectl asks for.

import { apiVersionOf, type KObject } from '../../api/kind.js';
import { toTable } from '../../api/table.js';
import type { RequestContext } from '../context.js';
import { badRequest, gone } from '../errors.js';
import { sendObject, wantsAs } from '../respond.js';
import { buildFilter } from '../selectors.js';

interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueToken)).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return t;
  } catch {
    throw badRequest('continue key is not valid: pass the continue value from the previous list response unchanged');
  }
}

export function includeObjectOf(rc: RequestContext): 'None' | 'Metadata' | 'Object' {
  const v = rc.query.get('includeObject');
  if (!v) return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(`includeObject must be one of None, Metadata or Object, not "${v}"`);
}

export function partialMetadata(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

function parseLimit(rc: RequestContext): number {
  const l = rc.query.get('limit');
  if (!l) return 0;
  const n = Number(l);
  // isSafeInteger: 1e22 is an "integer" to JavaScript, and a datatype mismatch (500) to SQLite.
  if (!Number.isSafeInteger(n) || n < 0) throw badRequest(`limit must be a non-negative integer, not "${l.slice(0, 64)}"`);
  return n;
}

export async function listObjects(rc: RequestContext): Promise<{ items: KObject[]; revision: number; continue?: string; remaining?: number }> {
  const { query } = rc;
  const filter = buildFilter(rc);
  const limit = parseLimit(rc);
  const objects = rc.api.objects(rc.def);
  let revision: number | undefined;
  let continueKey: string | undefined;
  const token = query.get('continue');
  if (token) {
    const t = decodeContinue(token);
    revision = t.rv;
    continueKey = t.start;
  } else {
    const rv = query.get('resourceVersion');
    const match = query.get('resourceVersionMatch');
    if (rv && rv !== '0' && !/^\d+$/.test(rv)) throw badRequest(`resourceVersion must be a number, not "${rv}"`);
    if (match === 'Exact') {
      if (!rv || rv === '0') throw badRequest('resourceVersionMatch=Exact needs a resourceVersion other than 0');
      revision = Number(rv);
    } else if (match && match !== 'NotOlderThan') {
      throw badRequest(`resourceVersionMatch must be Exact or NotOlderThan, not "${match}"`);
    }
  }
  const items: KObject[] = [];
  // Selectors filter after reading, so keep reading pages until the client's limit is met.
  for (;;) {
    let page;
    try {
      page = await objects.list(rc.info.namespace, { revision, limit: limit ? Math.max(limit - items.length, filter ? 100 : 0) : 0, continueKey });
    } catch (e) {
      if (token && (e as { reason?: string }).reason === 'Expired') {
        throw gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.');
      }
      throw e;
    }
    revision = page.revision;
    for (let i = 0; i < page.items.length; i++) {
      const item = page.items[i];
      if (!filter || filter(item)) items.push(item);
      if (limit && items.length === limit) {
        // Stop exactly at the limit; the next page starts after this item.
        const leftInPage = page.items.length - i - 1;
        const more = leftInPage > 0 || page.continueKey !== undefined;
        if (!more) return { items, revision };
        const key = objects.key(item.metadata?.namespace, item.metadata!.name!);
        const remaining = !filter && page.remaining !== undefined ? page.remaining + leftInPage : undefined;
        return { items, revision, continue: encodeContinue(revision, key), remaining };
      }
    }
    if (!page.continueKey) break;
    continueKey = page.continueKey;
  }
  return { items, revision: revision! };
}

export async function handleList(rc: RequestContext) {
  const { def } = rc;
  const r = await listObjects(rc);
  const listMeta: Record<string, unknown> = { resourceVersion: String(r.revision) };
  if (r.continue) listMeta.continue = r.continue;
  if (r.remaining !== undefined) listMeta.remainingItemCount = r.remaining;
  if (wantsAs(rc.req, 'Table')) {
    return sendObject(rc.req, rc.res, 200, toTable(def, r.items, { includeObject: includeObjectOf(rc), listMeta: listMeta as never }));
  }
  if (wantsAs(rc.req, 'PartialObjectMetadataList')) {
    return sendObject(rc.req, rc.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: r.items.map(partialMetadata) });
  }
  sendObject(rc.req, rc.res, 200, { kind: def.listKind ?? `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: listMeta, items: r.items });
}
