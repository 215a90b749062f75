// The API server's request metrics with kube-apiserver's names, labels and buckets, so its standard
// dashboards, SLO rules and alerts (apiserver_request:burnrate, KubeAPIErrorBudgetBurn...) work:
//   apiserver_request_total{verb,dry_run,group,version,resource,subresource,scope,component,code}
//   apiserver_request_duration_seconds{verb,dry_run,group,version,resource,subresource,scope,component}
//   apiserver_current_inflight_requests{request_kind}
// verb is the reported verb as Kubernetes spells it: GET, LIST, WATCH, POST, PUT, PATCH, APPLY,
// DELETE, DELETECOLLECTION, CONNECT (upper case); requests outside the resource API get the method.

import type { IncomingMessage } from 'node:http';
import { metrics } from '../util/metrics.js';
import type { RequestInfo } from './request-info.js';

const requests = metrics.counter('apiserver_request_total', 'API requests by verb, dry run value, group, version, resource, subresource, scope, component and HTTP response code.');
/** kube-apiserver's buckets, 5 ms to 60 s. */
const BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
const latency = metrics.histogram('apiserver_request_duration_seconds', "API request latency in seconds (watches excluded), by verb, dry run value, group, version, resource, subresource, scope and component: from the connection's accept (first request) or the request's arrival until its response is sent.", BUCKETS);

/** Subresources that stream (a connection is upgraded or proxied): Kubernetes reports these as CONNECT. */
const CONNECT_SUBRESOURCES = new Set(['exec', 'attach', 'portforward', 'proxy']);

export type RequestLabels = Record<'verb' | 'dry_run' | 'group' | 'version' | 'resource' | 'subresource' | 'scope' | 'component', string>;

/** Subresources any served kind has; another name is reported as "other" (it is a 404 anyway). */
const SUBRESOURCES = new Set(['status', 'scale', 'log', 'exec', 'attach', 'portforward', 'proxy', 'binding', 'eviction', 'ephemeralcontainers', 'resize', 'token', 'approval', 'finalize']);

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The labels of a request not (yet) parsed: the method alone, as for paths outside the resource API. */
export function plainLabels(method: string | undefined): RequestLabels {
  const m = (method ?? '').toUpperCase();
  // Hostile methods must not mint new series: anything unusual is "other", as Kubernetes does.
  return { verb: KNOWN_METHODS.has(m) ? m : 'other', dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
}

/**
 * known: whether the group/version/resource is served (here or by an extension server). Paths that
 * name nothing served are labelled by method alone, so a client inventing paths cannot mint series.
 */
export function requestLabels(req: IncomingMessage, info: RequestInfo, query: URLSearchParams, known: (group: string, version: string, resource: string) => boolean): RequestLabels {
  const labels = plainLabels(req.method);
  if (info.kind !== 'resource' || !known(info.group, info.version, info.resource)) return labels;
  labels.verb = reportedVerb(info, req.headers['content-type']);
  labels.group = info.group;
  labels.version = info.version;
  labels.resource = info.resource;
  labels.subresource = info.subresource === undefined ? '' : SUBRESOURCES.has(info.subresource) ? info.subresource : 'other';
  labels.scope = info.name !== undefined ? 'resource' : info.namespace !== undefined ? 'namespace' : 'cluster';
  labels.dry_run = query.getAll('dryRun').includes('All') ? 'All' : '';
  return labels;
}

function reportedVerb(info: Extract<RequestInfo, { kind: 'resource' }>, contentType: string | undefined): string {
  if (info.subresource && CONNECT_SUBRESOURCES.has(info.subresource)) return 'CONNECT';
  switch (info.verb) {
    case 'get':
      return 'GET';
    case 'list':
      return 'LIST';
    case 'watch':
      return 'WATCH';
    case 'create':
      return 'POST';
    case 'update':
      return 'PUT';
    case 'patch':
      return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/apply-patch+yaml' ? 'APPLY' : 'PATCH';
    case 'delete':
      return 'DELETE';
    case 'deletecollection':
      return 'DELETECOLLECTION';
    default:
      return 'other';
  }
}

/** Count the request once its response is out, and time it (watches excluded: their length is the client's choice). */
export function recordRequest(labels: RequestLabels, code: number, seconds: number | undefined) {
  requests.inc({ ...labels, code: String(code) });
  if (seconds !== undefined) latency.observe(seconds, labels);
}

type InflightCounts = () => { readOnly: number; mutating: number };
/** Every API server of this process (tests run several): their counts add up. */
const inflightSources = new Set<InflightCounts>();
metrics.gauge('apiserver_current_inflight_requests', 'Requests being served now against the in-flight limits, by kind (readOnly, mutating).', () => {
  let readOnly = 0;
  let mutating = 0;
  for (const counts of inflightSources) {
    const c = counts();
    readOnly += c.readOnly;
    mutating += c.mutating;
  }
  return [
    [{ request_kind: 'readOnly' }, readOnly],
    [{ request_kind: 'mutating' }, mutating],
  ];
});

/** Report a server's in-flight counts; the returned function stops (at close). */
export function reportInflight(counts: InflightCounts): () => void {
  inflightSources.add(counts);
  return () => inflightSources.delete(counts);
}
