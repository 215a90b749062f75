// GET of one object (and of its status subresource, which is the same object).

import { toTable } from '../../api/table.js';
import type { RequestContext } from '../context.js';
import { warningHeaders } from '../context.js';
import { sendObject, wantsAs } from '../respond.js';
import { includeObjectOf, partialMetadata } from './list.js';

export async function handleGet(rc: RequestContext) {
  const { obj } = await rc.api.objects(rc.def).mustGet(rc.info.namespace, rc.info.name!);
  if (wantsAs(rc.req, 'Table')) {
    return sendObject(rc.req, rc.res, 200, toTable(rc.def, [obj], { includeObject: includeObjectOf(rc) }), warningHeaders(rc.warnings));
  }
  if (wantsAs(rc.req, 'PartialObjectMetadata')) return sendObject(rc.req, rc.res, 200, partialMetadata(obj));
  sendObject(rc.req, rc.res, 200, obj, warningHeaders(rc.warnings));
}
