// The kubelet's log query parameters, validated as the API server does (PodLogOptions).

import { StreamTargetError } from '../target.js';
import { queryBool } from '../../../util/http/query-bool.js';

export interface LogOptions {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Only lines at or after this time (ms since the epoch), from sinceSeconds or sinceTime. */
  sinceMs?: number;
  limitBytes?: number;
}

function nonNegativeInt(q: URLSearchParams, name: string, min: number): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new StreamTargetError(400, `${name}: Invalid value: "${v}": must be an integer of at least ${min}`);
  return n;
}

export function parseLogOptions(q: URLSearchParams, now = Date.now()): LogOptions {
  const o: LogOptions = { follow: queryBool(q, 'follow') === true, previous: queryBool(q, 'previous') === true, timestamps: queryBool(q, 'timestamps') === true };
  o.tailLines = nonNegativeInt(q, 'tailLines', 0);
  o.limitBytes = nonNegativeInt(q, 'limitBytes', 1);
  const sinceSeconds = nonNegativeInt(q, 'sinceSeconds', 1);
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new StreamTargetError(400, 'at most one of sinceTime or sinceSeconds may be specified');
  if (sinceSeconds !== undefined) o.sinceMs = now - sinceSeconds * 1000;
  if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw new StreamTargetError(400, `sinceTime: Invalid value: "${sinceTime}": must be an RFC3339 time`);
    o.sinceMs = t;
  }
  return o;
}
