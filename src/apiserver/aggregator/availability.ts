// The availability check of one non-local APIService, as kube-aggregator's availability controller
// makes it: the Service must exist and listen on the port, have ready endpoints, and the extension
// server must answer GET /apis/<group>/<version> with a 2xx within 5 seconds (asked as
// system:kube-aggregator in system:masters, over the front-proxy connection). The discovery
// document it answered is kept for this server's discovery (discovery-merge.ts).

import { ResolveError, resolveService, type Target } from '../services/resolve-endpoint.js';
import type { ProxyClient } from './proxy.js';
import { getFromExtension } from './extension-get.js';
import type { ApiState } from '../context.js';
import type { APIService, APIServiceCondition } from '../../api/kinds/apiregistration/apiservice.js';

export const DISCOVERY_CHECK_TIMEOUT_MS = 5000;
/** An extension server's discovery document larger than this is a failed check. */
const MAX_DISCOVERY_BYTES = 4 * 1024 * 1024;

export interface CheckResult {
  condition: Omit<APIServiceCondition, 'lastTransitionTime'>;
  /** The APIResourceList the server answered (on success). */
  resources?: APIResourceList;
}

export interface APIResourceList {
  groupVersion: string;
  resources: { name: string; singularName?: string; namespaced?: boolean; kind?: string; verbs?: string[]; shortNames?: string[]; categories?: string[]; group?: string; version?: string }[];
}

export async function checkAPIService(state: ApiState, a: APIService, client: ProxyClient): Promise<CheckResult> {
  const spec = a.spec ?? {};
  let target: Target;
  try {
    target = await resolveService(state, spec.service ?? {});
  } catch (e) {
    if (e instanceof ResolveError) return { condition: { type: 'Available', status: 'False', reason: e.reason, message: e.message } };
    throw e;
  }
  const path = `/apis/${spec.group}/${spec.version}`;
  const url = `https://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}${path}`;
  try {
    const { status, body } = await getFromExtension(target, path, a, client, { maxBytes: MAX_DISCOVERY_BYTES, timeoutMs: DISCOVERY_CHECK_TIMEOUT_MS });
    if (status < 200 || status > 299) throw new Error(`bad status from ${url}: ${status}`);
    const doc = parseResourceList(body);
    return { condition: { type: 'Available', status: 'True', reason: 'Passed', message: 'all checks passed' }, resources: doc };
  } catch (e) {
    return { condition: { type: 'Available', status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: ${(e as Error).message}` } };
  }
}

/** The extension's APIResourceList, checked for shape: entries that are not well-formed are dropped. */
export function parseResourceList(body: string): APIResourceList | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { resources?: unknown }).resources)) return undefined;
  const d = doc as { groupVersion?: unknown; resources: unknown[] };
  const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, 100) : undefined);
  const resources: APIResourceList['resources'] = [];
  for (const r of d.resources.slice(0, 1000)) {
    if (!r || typeof r !== 'object') continue;
    const x = r as Record<string, unknown>;
    if (typeof x.name !== 'string' || !x.name) continue;
    resources.push({
      name: x.name,
      singularName: typeof x.singularName === 'string' ? x.singularName : '',
      namespaced: x.namespaced === true,
      kind: typeof x.kind === 'string' ? x.kind : '',
      verbs: strs(x.verbs) ?? [],
      ...(strs(x.shortNames)?.length ? { shortNames: strs(x.shortNames) } : {}),
      ...(strs(x.categories)?.length ? { categories: strs(x.categories) } : {}),
    });
  }
  return { groupVersion: typeof d.groupVersion === 'string' ? d.groupVersion : '', resources };
}
