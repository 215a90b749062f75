// GET of one object (and of its status subresource, which is the same object).

import { toTable } from '../../api/table.js';
import type { RequestContext } from '../context.js';
import { sliceTurn, warningHeaders } from '../context.js';
import { answersCompactJson, sendJsonText, sendObject, wantsAs } from '../respond.js';
import { includeObjectOf, partialMetadata } from './list.js';
import { parseResourceVersion } from '../list/options.js';
import { waitForRevision } from '../list/fresh.js';

export async function handleGet(rc: RequestContext) {
  // resourceVersion on a GET means "not older than": the newest read satisfies it once the store has
  // reached it; a revision it has not reached is waited for, then 504 (list/fresh.ts).
  const rv = parseResourceVersion(rc.query.get('resourceVersion') ?? '');
  if (rv > 0) await waitForRevision(rc.api.store, rv, rc.api.timings.listFreshWaitMs);
  const objects = rc.api.objects(rc.def);
  if (!wantsAs(rc.req, 'Table') && !wantsAs(rc.req, 'PartialObjectMetadata') && answersCompactJson(rc.req, rc.res)) {
    // Plain JSON, as most clients read: the stored text with its resourceVersion, never decoded
    // (a missing object goes on to mustGet's 404).
    const stored = await objects.getJson(rc.info.namespace, rc.info.name!);
    if (stored) return sendJsonText(rc.res, 200, `${stored.json}\n`, warningHeaders(rc.warnings));
  }
  const { obj } = await objects.mustGet(rc.info.namespace, rc.info.name!, { turn: () => sliceTurn(rc) });
  // Reading and decoding a large object, then encoding it for the answer, are two long passes.
  await sliceTurn(rc);
  if (wantsAs(rc.req, 'Table')) {
    return sendObject(rc.req, rc.res, 200, toTable(rc.def, [obj], { includeObject: includeObjectOf(rc) }), warningHeaders(rc.warnings));
  }
  if (wantsAs(rc.req, 'PartialObjectMetadata')) return sendObject(rc.req, rc.res, 200, partialMetadata(obj));
  sendObject(rc.req, rc.res, 200, obj, warningHeaders(rc.warnings));
}
