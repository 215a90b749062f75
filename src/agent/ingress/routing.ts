// The ingress controller's routing table, compiled from the Ingresses of its class: pure, so the
// precedence rules are table-tested (routing.test.ts). Precedence follows ingress-nginx, which most
// Ingresses are written against:
// - a host matches exactly before a wildcard ("*.shop.example" covers exactly one more label);
// - within a host, an Exact path wins, then the longest Prefix/ImplementationSpecific path;
//   Prefix matches whole path elements ("/app" matches "/app" and "/app/x", not "/apps"),
//   ImplementationSpecific is a plain string prefix (nginx's `location /app`);
// - the same host and path in several Ingresses: the oldest Ingress wins (creationTimestamp, then
//   namespace/name), as ingress-nginx documents;
// - no path matches: the host's Ingress defaultBackend (oldest), else the catch-all defaultBackend of
//   the oldest Ingress that has one, else the controller answers 404.
// TLS: each host named under spec.tls (or, with no hosts listed, the Ingress's rule hosts) is served
// with that Secret's certificate; its plain-HTTP requests are redirected to HTTPS (308) unless the
// Ingress says nginx.ingress.kubernetes.io/ssl-redirect: "false".

import { GIFEE_INGRESS_CLASS, GIFEE_INGRESS_CONTROLLER } from '../../api/auth/ingress-controller.js';
import { isGifeeIngress } from '../../api/ingress-class.js';

export const CONTROLLER_NAME = GIFEE_INGRESS_CONTROLLER;
export const CLASS_NAME = GIFEE_INGRESS_CLASS;
const SSL_REDIRECT_ANNOTATIONS = ['nginx.ingress.kubernetes.io/ssl-redirect', 'ingress.gifee.dev/ssl-redirect'];

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

export interface BackendRef {
  namespace: string;
  service: string;
  /** The Service port, by number or by name. */
  port: number | string;
}

export interface Route {
  /** The rule's host ("" for all hosts), for metrics and logs: never the client's Host header. */
  host: string;
  path: string;
  pathType: PathType;
  backend: BackendRef;
  /** Where plain HTTP is redirected to HTTPS. */
  sslRedirect: boolean;
  /** namespace/name of the Ingress this route came from. */
  ingress: string;
}

export interface HostRoutes {
  /** Exact paths, by path. */
  exact: Map<string, Route>;
  /** Prefix and ImplementationSpecific routes, longest path first. */
  prefixes: Route[];
  /** The host's Ingress defaultBackend, when it has one. */
  fallback?: Route;
}

export interface TlsHost {
  host: string;
  namespace: string;
  secret: string;
  ingress: string;
}

export interface RoutingTable {
  exactHosts: Map<string, HostRoutes>;
  /** "*.shop.example" keyed by ".shop.example". */
  wildcardHosts: Map<string, HostRoutes>;
  /** Rules without a host. */
  anyHost?: HostRoutes;
  /** The catch-all defaultBackend. */
  defaultRoute?: Route;
  /** Hosts served over TLS, exact and wildcard ("*.x"), with their Secret (the oldest Ingress's). */
  tls: Map<string, TlsHost>;
  /** Every Service a route points at ("ns/name"). */
  services: Set<string>;
  /** Every backend a route points at, once. */
  backends: BackendRef[];
}

interface IngressLike {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: {
    ingressClassName?: string;
    defaultBackend?: BackendSpec;
    rules?: { host?: string; http?: { paths?: { path?: string; pathType?: string; backend?: BackendSpec }[] } }[];
    tls?: { hosts?: string[]; secretName?: string }[];
  };
}
interface BackendSpec {
  service?: { name?: string; port?: { name?: string; number?: number } };
}
interface IngressClassLike {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { controller?: string };
}

/** Whether an Ingress is ours (the rule the ingress-status controller shares). */
export const isOurs = isGifeeIngress;

const keyOf = (i: IngressLike) => `${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`;

/** Oldest first; ties broken by namespace/name so the order never depends on list order. */
function byAge(a: IngressLike, b: IngressLike): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = keyOf(a);
  const kb = keyOf(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function backendOf(namespace: string, b: BackendSpec | undefined): BackendRef | undefined {
  const s = b?.service;
  if (!s?.name) return undefined; // resource backends are not served
  const port = s.port?.number ?? s.port?.name;
  if (port === undefined || port === '') return undefined;
  return { namespace, service: s.name, port };
}

const lowerHost = (h: string | undefined) => (h ?? '').toLowerCase();

export function compileRoutes(ingresses: readonly IngressLike[], classes: readonly IngressClassLike[]): RoutingTable {
  const table: RoutingTable = { exactHosts: new Map(), wildcardHosts: new Map(), tls: new Map(), services: new Set(), backends: [] };
  const backendKeys = new Set<string>();
  const ours = ingresses.filter((i) => !i.metadata?.deletionTimestamp && isOurs(i, classes)).sort(byAge);
  // TLS first: a route's redirect depends on whether its host is served over TLS.
  for (const ing of ours) {
    const ns = ing.metadata?.namespace ?? 'default';
    const ruleHosts = (ing.spec?.rules ?? []).map((r) => lowerHost(r.host)).filter(Boolean);
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      const hosts = t.hosts?.length ? t.hosts.map(lowerHost) : ruleHosts;
      for (const host of hosts) if (host && !table.tls.has(host)) table.tls.set(host, { host, namespace: ns, secret: t.secretName, ingress: keyOf(ing) });
    }
  }
  const hostRoutes = (host: string): HostRoutes => {
    const map = host.startsWith('*.') ? table.wildcardHosts : table.exactHosts;
    const key = host.startsWith('*.') ? host.slice(1) : host;
    if (host === '') return (table.anyHost ??= { exact: new Map(), prefixes: [] });
    let h = map.get(key);
    if (!h) map.set(key, (h = { exact: new Map(), prefixes: [] }));
    return h;
  };
  for (const ing of ours) {
    const ns = ing.metadata?.namespace ?? 'default';
    const redirectOff = SSL_REDIRECT_ANNOTATIONS.some((a) => ing.metadata?.annotations?.[a] === 'false');
    const def = backendOf(ns, ing.spec?.defaultBackend);
    const route = (host: string, path: string, pathType: PathType, backend: BackendRef): Route => {
      table.services.add(`${backend.namespace}/${backend.service}`);
      const bk = `${backend.namespace}/${backend.service}:${backend.port}`;
      if (!backendKeys.has(bk)) {
        backendKeys.add(bk);
        table.backends.push(backend);
      }
      return { host, path, pathType, backend, sslRedirect: !redirectOff && tlsFor(table, host) !== undefined, ingress: keyOf(ing) };
    };
    if (def && !table.defaultRoute) table.defaultRoute = route('', '/', 'Prefix', def);
    for (const rule of ing.spec?.rules ?? []) {
      const host = lowerHost(rule.host);
      const h = hostRoutes(host);
      if (def && !h.fallback) h.fallback = route(host, '/', 'Prefix', def);
      for (const p of rule.http?.paths ?? []) {
        const backend = backendOf(ns, p.backend);
        if (!backend) continue;
        const pathType = (p.pathType === 'Exact' || p.pathType === 'Prefix' ? p.pathType : 'ImplementationSpecific') as PathType;
        const path = p.path || '/';
        if (pathType === 'Exact') {
          if (!h.exact.has(path)) h.exact.set(path, route(host, path, pathType, backend));
          continue;
        }
        // Prefix paths match by element: a trailing slash means nothing more ("/app/" = "/app").
        const norm = pathType === 'Prefix' && path.length > 1 ? path.replace(/\/+$/, '') || '/' : path;
        if (h.prefixes.some((r) => r.path === norm && r.pathType === pathType)) continue; // an older Ingress has it
        h.prefixes.push(route(host, norm, pathType, backend));
      }
    }
  }
  // Longest first; at equal length Prefix before ImplementationSpecific, then the older (stable sort).
  const order = (h: HostRoutes) => h.prefixes.sort((a, b) => b.path.length - a.path.length || (a.pathType === b.pathType ? 0 : a.pathType === 'Prefix' ? -1 : 1));
  for (const h of table.exactHosts.values()) order(h);
  for (const h of table.wildcardHosts.values()) order(h);
  if (table.anyHost) order(table.anyHost);
  return table;
}

/** The TLS entry serving a host: exact, then a wildcard one label up. */
export function tlsFor(table: Pick<RoutingTable, 'tls'>, host: string): TlsHost | undefined {
  const h = host.toLowerCase();
  const exact = table.tls.get(h);
  if (exact) return exact;
  const dot = h.indexOf('.');
  return dot > 0 ? table.tls.get(`*${h.slice(dot)}`) : undefined;
}

function matchPath(h: HostRoutes, path: string): Route | undefined {
  const exact = h.exact.get(path);
  if (exact) return exact;
  for (const r of h.prefixes) {
    if (r.pathType === 'ImplementationSpecific') {
      if (path.startsWith(r.path)) return r;
    } else if (r.path === '/' || path === r.path || (path.startsWith(r.path) && path.charCodeAt(r.path.length) === 47) /* / */) return r;
  }
  return h.fallback;
}

/**
 * The route for a request's host (without port, any case) and path (without query). A host with
 * rules but no matching path does not fall through to other hosts' rules, as in ingress-nginx
 * (each host is its own server); it gets its Ingress's defaultBackend or the catch-all one.
 */
export function lookupRoute(table: RoutingTable, host: string, path: string): Route | undefined {
  const h = host.toLowerCase();
  let hr = table.exactHosts.get(h);
  if (!hr) {
    const dot = h.indexOf('.');
    if (dot > 0) hr = table.wildcardHosts.get(h.slice(dot));
  }
  hr ??= table.anyHost;
  return (hr ? matchPath(hr, path) : undefined) ?? table.defaultRoute;
}

/** The host of a Host header or :authority, lowercased, without port; undefined when it is not a plausible host. */
export function hostOfHeader(value: string | undefined): string | undefined {
  if (!value || value.length > 255) return undefined;
  let host = value;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1).toLowerCase() : undefined;
  }
  const colon = host.lastIndexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return /^[a-z0-9.\-_*]*$/.test(host) ? host : undefined;
}
