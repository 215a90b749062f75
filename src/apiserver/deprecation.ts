// Warnings for deprecated API versions, sent on every request to them as kube-apiserver does
// (e.g. `Warning: v1 ComponentStatus is deprecated in v1.19+` above `kubectl get cs`).

import type { RequestContext } from './context.js';
import { warningHeaders } from './context.js';

/** By `group/plural` (all versions registered here are the deprecated ones): the warning text. */
export const deprecatedResources = new Map<string, string>([['/componentstatuses', 'v1 ComponentStatus is deprecated in v1.19+']]);

/**
 * Adds the resource's deprecation warning, if any, to the request's warnings and sets it as a
 * header now, so responses that do not pass rc.warnings (lists, errors) carry it too. Handlers that
 * do pass them set the same header again, with the warning among the others.
 */
export function warnIfDeprecated(rc: RequestContext) {
  const w = rc.def.deprecationWarning ?? deprecatedResources.get(`${rc.def.group}/${rc.def.plural}`);
  if (!w) return;
  rc.warnings.push(w);
  const h = warningHeaders([w]).Warning;
  if (h && !rc.res.headersSent) rc.res.setHeader('Warning', h);
}
