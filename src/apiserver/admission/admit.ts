// The one call every write handler makes to run the admission chain on what it is about to store.

import type { KObject } from '../../api/kind.js';
import type { RequestContext } from '../context.js';
import { sliceTurn } from '../context.js';
import { validateObjectSliced } from '../prepare.js';
import type { Operation } from './chain.js';

export async function admit(rc: RequestContext, operation: Operation, obj: KObject | undefined, old: KObject | undefined, dryRun: boolean): Promise<void> {
  const subresource = rc.info.subresource ?? '';
  await rc.api.admission.admit(
    { rc, operation, obj, old, subresource, dryRun },
    (o) => validateObjectSliced(rc, o, old, subresource || undefined),
    () => sliceTurn(rc),
  );
}
