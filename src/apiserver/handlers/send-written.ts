// Answering a create, update or patch with the object it stored: as plain JSON (what most clients
// ask for) the stored text with its new resourceVersion is the answer, not a second encoding of the
// object (storage/objects.ts, writtenJsonOf); YAML and indented JSON are encoded as before.

import type { KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';
import { answersCompactJson, sendJsonText, sendObject } from '../respond.js';
import { writtenJsonOf } from '../storage/objects.js';

export function sendWritten(rc: RequestContext, code: number, obj: KObject, headers: Record<string, string> = {}) {
  const json = answersCompactJson(rc.req, rc.res) ? writtenJsonOf(obj) : undefined;
  if (json !== undefined) return sendJsonText(rc.res, code, `${json}\n`, headers);
  sendObject(rc.req, rc.res, code, obj, headers);
}
