// Which requests are long-running: exempt from the request timeout and from the in-flight limits,
// as Kubernetes' BasicLongRunningRequestCheck decides (watch and proxy verbs; attach, exec, proxy,
// log and portforward subresources; every pods/log request counts, followed or not).

import type { RequestInfo } from '../request-info.js';

const LONG_VERBS = new Set(['watch', 'proxy']);
const LONG_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

export function isLongRunning(info: RequestInfo): boolean {
  if (info.kind !== 'resource') return false;
  return LONG_VERBS.has(info.verb) || (info.subresource !== undefined && LONG_SUBRESOURCES.has(info.subresource));
}

/** Kubernetes counts these methods against --max-mutating-requests-inflight, every other against --max-requests-inflight. */
export function isMutating(method: string | undefined): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
}
