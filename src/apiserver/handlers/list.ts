// LIST: label and field selectors, consistent pagination (limit/continue at one revision),
// resourceVersion semantics, and the Table / PartialObjectMetadata representations kubectl asks for.
// The store is read in pages of READ_PAGE keys at one revision, and the response is streamed
// item by item (list/stream.ts), so a list of any size is many short steps on the event loop.

import { apiVersionOf, type KObject } from '../../api/kind.js';
import { toTable } from '../../api/table.js';
import { type RequestContext, sliceTurn, slicerOf } from '../context.js';
import type { ListPage } from '../storage/objects.js';
import { ApiError, badRequest, gone } from '../../api/errors.js';
import { sendObject, wantsAs, wantsYaml } from '../respond.js';
import { buildFilter, type ObjectFilter } from '../selectors.js';
import { LATEST, decodeContinue, encodeContinue } from '../list/continue-token.js';
import { parseListQuery, type ListQuery } from '../list/options.js';
import { waitForRevision } from '../list/fresh.js';
import { JsonListWriter } from '../list/stream.js';

/**
 * Keys read (and decoded) from the store per step. Decoding dominates: 500 pods took 25-60 ms on the
 * 2-core machine, 100 take a few, and a page of 100 is still one cheap SQLite query or etcd round trip.
 */
export const READ_PAGE = 100;

const EXPIRED_LIST = 'The resourceVersion for the provided list is too old.';
const EXPIRED_CONTINUE = 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';
const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function includeObjectOf(rc: RequestContext): 'None' | 'Metadata' | 'Object' {
  const v = rc.query.get('includeObject');
  if (!v) return 'Metadata';
  if (v === 'None' || v === 'Metadata' || v === 'Object') return v;
  throw badRequest(`includeObject must be one of None, Metadata or Object, not "${v}"`);
}

export function partialMetadata(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** Where and at which revision a list reads, from its query (validated, waited for if ahead of the store). */
interface Plan {
  prefix: string;
  /** Exact revision; undefined: the newest, fixed by the first read. */
  revision?: number;
  /** Start strictly after this key (from a continue token). */
  after?: string;
  limit: number;
  fromToken: boolean;
  filter?: ObjectFilter;
}

async function planList(rc: RequestContext, q: ListQuery): Promise<Plan> {
  const prefix = rc.api.objects(rc.def).prefix(rc.info.namespace);
  const plan: Plan = { prefix, limit: q.limit, fromToken: false, filter: buildFilter(rc) };
  if (q.continueToken) {
    const c = decodeContinue(q.continueToken, prefix);
    if (q.resourceVersion && q.resourceVersion !== '0') throw badRequest('specifying resource version is not allowed when using continue');
    plan.fromToken = true;
    plan.after = c.after;
    if (c.rv > 0) plan.revision = c.rv;
    return plan;
  }
  if (q.rv > 0) {
    await waitForRevision(rc.api.store, q.rv, rc.api.timings.listFreshWaitMs);
    // Exact, and the legacy form of it (a limit with a resourceVersion), read at that revision;
    // NotOlderThan reads the newest, which the wait made at least that new.
    if (q.match === 'Exact' || (q.match === '' && q.limit > 0)) plan.revision = q.rv;
  }
  return plan;
}

interface Page {
  items: KObject[];
  revision: number;
  /** Key of the last item read (filtered or not), to continue after. */
  lastKey?: string;
  more: boolean;
  remaining?: number;
}

/** One store read, with compaction worded as Kubernetes words it for lists and continue tokens. */
async function readPage(rc: RequestContext, plan: Plan, after: string | undefined, limit: number): Promise<Page> {
  const objects = rc.api.objects(rc.def);
  let page: ListPage;
  try {
    page = await objects.list(rc.info.namespace, { revision: plan.revision, limit, continueKey: after, turn: () => sliceTurn(rc) });
  } catch (e) {
    if (e instanceof ApiError && e.code === 410) {
      if (!plan.fromToken) throw gone(EXPIRED_LIST);
      // Offer the rest of the list at the newest revision, as Kubernetes does (rv -1 in the token).
      const start = plan.after ?? plan.prefix;
      if (start === plan.prefix) throw gone(EXPIRED_CONTINUE);
      throw new ApiError(410, 'Expired', INCONSISTENT_CONTINUE, undefined, { continue: encodeContinue(LATEST, start, plan.prefix) });
    }
    throw e;
  }
  plan.revision ??= page.revision;
  const last = page.items[page.items.length - 1];
  return {
    items: page.items,
    revision: page.revision,
    lastKey: page.continueKey ?? (last ? objects.key(last.metadata?.namespace, last.metadata!.name!) : undefined),
    more: page.continueKey !== undefined,
    remaining: page.remaining,
  };
}

/**
 * Every matching object of the plan, page by page at one revision, yielding to the event loop
 * between store reads. Ends after `limit` matches when the plan has one (its last page then says
 * where to continue).
 */
async function* scan(rc: RequestContext, plan: Plan): AsyncGenerator<Page> {
  const objects = rc.api.objects(rc.def);
  let after = plan.after;
  let have = 0;
  for (;;) {
    const want = plan.limit ? Math.min(READ_PAGE, plan.filter ? READ_PAGE : plan.limit - have) : READ_PAGE;
    const page = await readPage(rc, plan, after, want);
    const out: KObject[] = [];
    for (let i = 0; i < page.items.length; i++) {
      const item = page.items[i];
      if (plan.filter && !plan.filter(item)) continue;
      out.push(item);
      if (plan.limit && have + out.length === plan.limit) {
        // Stop exactly at the limit; the next page starts after this item.
        const leftInPage = page.items.length - i - 1;
        const more = leftInPage > 0 || page.more;
        const remaining = !plan.filter && page.remaining !== undefined ? page.remaining + leftInPage : undefined;
        yield { items: out, revision: page.revision, lastKey: objects.key(item.metadata?.namespace, item.metadata!.name!), more, remaining };
        return;
      }
    }
    have += out.length;
    yield { ...page, items: out, remaining: undefined };
    if (!page.more) return;
    after = page.lastKey;
    // Every read is a turn of its own: whatever the consumer did with the page plus the next read
    // and decode never add up to one long step.
    await slicerOf(rc).pass();
  }
}

export interface ListResult {
  items: KObject[];
  revision: number;
  continue?: string;
  remaining?: number;
}

/** A whole list (or one client page of it) in memory, for callers that need the objects (deletecollection). */
export async function listObjects(rc: RequestContext, q: ListQuery = parseListQuery(rc.query, false)): Promise<ListResult> {
  const plan = await planList(rc, q);
  const items: KObject[] = [];
  let last: Page | undefined;
  for await (const page of scan(rc, plan)) {
    items.push(...page.items);
    last = page;
  }
  const result: ListResult = { items, revision: plan.revision ?? last?.revision ?? (await rc.api.store.currentRevision()) };
  if (plan.limit && last?.more && last.lastKey) {
    result.continue = encodeContinue(result.revision, last.lastKey, plan.prefix);
    result.remaining = last.remaining;
  }
  return result;
}

/** Pages of every object matching rc's selectors at the newest revision (a watch's initial events). */
export async function* listAllPages(rc: RequestContext): AsyncGenerator<{ items: KObject[]; revision: number }> {
  const plan: Plan = { prefix: rc.api.objects(rc.def).prefix(rc.info.namespace), limit: 0, fromToken: false, filter: buildFilter(rc) };
  for await (const page of scan(rc, plan)) yield { items: page.items, revision: page.revision };
}

export async function handleList(rc: RequestContext) {
  const { def, req, res } = rc;
  const q = parseListQuery(rc.query, false);
  const asTable = wantsAs(req, 'Table');
  const includeObject = asTable ? includeObjectOf(rc) : 'Object';
  const partial = !asTable && wantsAs(req, 'PartialObjectMetadataList');
  const plan = await planList(rc, q);

  // A client page (limit) is read whole first: its continue token and count go in the envelope.
  // An unpaged list streams as it reads; its envelope needs only the revision of the first read.
  const pages = scan(rc, plan);
  const first = await pages.next();
  let source: AsyncIterable<Page> | Page[];
  const listMeta: Record<string, unknown> = {};
  if (plan.limit) {
    const all: Page[] = first.done ? [] : [first.value];
    for await (const p of pages) all.push(p);
    const last = all[all.length - 1];
    listMeta.resourceVersion = String(plan.revision ?? (await rc.api.store.currentRevision()));
    if (last?.more && last.lastKey) {
      listMeta.continue = encodeContinue(plan.revision!, last.lastKey, plan.prefix);
      if (last.remaining !== undefined) listMeta.remainingItemCount = last.remaining;
    }
    source = all;
  } else {
    listMeta.resourceVersion = String(plan.revision ?? (await rc.api.store.currentRevision()));
    source = (async function* () {
      if (!first.done) yield first.value;
      for await (const p of pages) yield p;
    })();
  }

  if (wantsYaml(req) && !asTable && !partial) {
    // YAML is for people reading a terminal: built whole (the reads above still yielded between pages).
    const items: KObject[] = [];
    for await (const p of source) items.push(...p.items);
    return sendObject(req, res, 200, { kind: def.listKind ?? `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: listMeta, items });
  }
  const w = new JsonListWriter(res, slicerOf(rc));
  const headers = { 'Content-Type': 'application/json' };
  if (asTable) {
    const { rows: _rows, ...head } = toTable(def, [], { includeObject, listMeta: listMeta as never });
    w.start(200, headers, head, 'rows');
  } else if (partial) {
    w.start(200, headers, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta }, 'items');
  } else {
    w.start(200, headers, { kind: def.listKind ?? `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: listMeta }, 'items');
  }
  for await (const p of source) {
    if (w.closed) return;
    if (asTable) await w.items(toTable(def, p.items, { includeObject }).rows);
    else if (partial) await w.items(p.items, (o: KObject) => JSON.stringify(partialMetadata(o)));
    else await w.items(p.items);
  }
  w.end();
}
