// A write's body, read and decoded on turns of its own: the last chunk of a 3 MiB body arrives in an
// I/O callback, maybe in the same loop iteration as another request's large pass, and its parse is
// one too (tens of milliseconds). A checkpoint before each lets the loop run between them.

import type { ObjectSchema } from '../../api/schema.js';
import { decodeBodyAsync, readBody } from '../body.js';
import { sliceTurn, type RequestContext } from '../context.js';

export async function readRequestBody(rc: RequestContext, contentType: string | undefined, schema?: ObjectSchema): Promise<{ value: unknown; duplicates: string[] }> {
  const buf = await readBody(rc.req);
  await sliceTurn(rc);
  const decoded = await decodeBodyAsync(buf, contentType, schema);
  await sliceTurn(rc);
  return decoded;
}
