// The query parameters of list and watch, parsed and checked as Kubernetes does: integers that do not
// parse are 400 with Go's strconv wording (it decodes them into int64 fields), booleans are lenient
// ("0"/"false" are false, anything else true), and combinations ValidateListOptions forbids are 422
// Invalid on ListOptions.meta.k8s.io with one cause each.

import type { FieldError } from '../../api/kind.js';
import { badRequest, fieldErr, invalid } from '../../api/errors.js';
import { queryBool } from '../../util/http/query-bool.js';

export type Match = '' | 'Exact' | 'NotOlderThan';

export interface ListQuery {
  /** As sent ('' when absent). */
  resourceVersion: string;
  /** Parsed resourceVersion; 0 for '' and '0' ("any"). */
  rv: number;
  match: Match;
  /** 0: no limit. Negative limits mean none too, as in Kubernetes. */
  limit: number;
  continueToken: string;
  timeoutSeconds?: number;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean;
}

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt(s, 10, 64), with its error text. */
function parseInt64(s: string): number {
  if (!/^[+-]?\d+$/.test(s)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = BigInt(s);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`);
  // Beyond 2^53 nothing here can tell the difference: clamp rather than lose the sign or wrap.
  return Number(n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : n < -BigInt(Number.MAX_SAFE_INTEGER) ? -Number.MAX_SAFE_INTEGER : n);
}

/** A resourceVersion as the API server's versioner parses it (uint64). */
export function parseResourceVersion(s: string): number {
  if (s === '' || s === '0') return 0;
  const fail = (why: string) => badRequest(`invalid resource version: resourceVersion: Invalid value: ${JSON.stringify(s)}: strconv.ParseUint: parsing ${JSON.stringify(s)}: ${why}`);
  if (!/^\d+$/.test(s)) throw fail('invalid syntax');
  const n = BigInt(s);
  if (n > UINT64_MAX) throw fail('value out of range');
  // Larger than any revision this store can reach: keep it larger, so it is "too large", not wrapped.
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

export function parseListQuery(q: URLSearchParams, watch: boolean): ListQuery {
  const resourceVersion = q.get('resourceVersion') ?? '';
  const limitRaw = q.get('limit');
  const timeoutRaw = q.get('timeoutSeconds');
  const out: ListQuery = {
    resourceVersion,
    rv: 0,
    match: '',
    limit: limitRaw ? Math.max(0, parseInt64(limitRaw)) : 0,
    continueToken: q.get('continue') ?? '',
    timeoutSeconds: timeoutRaw ? parseInt64(timeoutRaw) : undefined,
    allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks') ?? false,
    sendInitialEvents: queryBool(q, 'sendInitialEvents'),
  };
  const match = q.get('resourceVersionMatch') ?? '';
  const errors = watch ? validateWatch(out, match) : validateList(out, match);
  if (errors.length) throw invalid('ListOptions', 'meta.k8s.io', '', errors);
  out.match = match as Match;
  out.rv = parseResourceVersion(resourceVersion);
  return out;
}

function validateList(o: ListQuery, match: string): FieldError[] {
  const errs: FieldError[] = [];
  if (match) {
    if (!o.resourceVersion) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    if (o.continueToken) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    if (match !== 'Exact' && match !== 'NotOlderThan') errs.push(fieldErr.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    if (match === 'Exact' && o.resourceVersion === '0') errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
  }
  if (o.sendInitialEvents !== undefined) errs.push(fieldErr.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  return errs;
}

function validateWatch(o: ListQuery, match: string): FieldError[] {
  const errs: FieldError[] = [];
  if (o.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(fieldErr.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
  }
  if (match) {
    if (o.sendInitialEvents === undefined) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    if (match !== 'NotOlderThan') errs.push(fieldErr.notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    if (o.continueToken) errs.push(fieldErr.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
  }
  return errs;
}
