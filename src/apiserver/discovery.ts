// Discovery: what the server serves, in the legacy shape (/api, /apis, /api/v1, /apis/G/V) and the
// aggregated one (apidiscovery.k8s.io v2 and v2beta1) that kubectl 1.30+ asks for first, saving a
// round trip per group. Both are derived from the kind registry.

import type { KindDef } from '../api/kind.js';
import type { GroupInfo, KindRegistry } from '../api/registry.js';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

interface SubresourceInfo {
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
}

/** What each subresource answers with and which verbs it takes, as Kubernetes serves them. */
function subresourceInfo(def: KindDef, sub: string): SubresourceInfo {
  switch (sub) {
    case 'status':
    case 'approval':
    case 'ephemeralcontainers':
    case 'resize':
      return { kind: def.kind, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'log':
      return { kind: 'Pod', verbs: ['get'] };
    case 'exec':
      return { kind: 'PodExecOptions', verbs: ['create', 'get'] };
    case 'attach':
      return { kind: 'PodAttachOptions', verbs: ['create', 'get'] };
    case 'portforward':
      return { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] };
    case 'binding':
      return { kind: 'Binding', verbs: ['create'] };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'finalize':
      return { kind: def.kind, verbs: ['update'] };
    case 'proxy':
      return { kind: `${def.kind}ProxyOptions`, verbs: ['create', 'delete', 'get', 'patch', 'update'] };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] };
    default:
      return { kind: def.kind, verbs: ['get'] };
  }
}

export function subresourcesOf(def: KindDef): string[] {
  const s: string[] = [];
  if (def.subresources?.status) s.push('status');
  if (def.subresources?.scale) s.push('scale');
  for (const o of def.subresources?.other ?? []) s.push(o);
  return s;
}

export function apiVersions() {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
}

/**
 * The registry's groups without the group/versions in `hide`: a built-in group/version whose
 * APIService a user pointed at an extension server (metrics-server over gifee's built-in
 * metrics.k8s.io) is that server's in discovery, and absent while it is unavailable.
 */
export function visibleGroups(reg: KindRegistry, hide?: ReadonlySet<string>): GroupInfo[] {
  const groups = reg.groups();
  if (!hide?.size) return groups;
  const out: GroupInfo[] = [];
  for (const g of groups) {
    const versions = g.versions.filter((v) => !hide.has(`${g.group}/${v}`));
    if (versions.length === 0) continue;
    out.push({ ...g, versions, preferredVersion: versions.includes(g.preferredVersion) ? g.preferredVersion : versions[0] });
  }
  return out;
}

export function apiGroupList(reg: KindRegistry, hide?: ReadonlySet<string>) {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: visibleGroups(reg, hide)
      .filter((g) => g.group !== '')
      .map((g) => ({
        name: g.group,
        versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${g.group}/${g.preferredVersion}`, version: g.preferredVersion },
      })),
  };
}

export function apiGroup(reg: KindRegistry, group: string, hide?: ReadonlySet<string>) {
  const g = visibleGroups(reg, hide).find((x) => x.group === group);
  if (!g) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: g.group,
    versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.group}/${g.preferredVersion}`, version: g.preferredVersion },
  };
}

export function apiResourceList(reg: KindRegistry, group: string, version: string) {
  const defs = reg.all().filter((d) => d.group === group && d.version === version);
  if (defs.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const d of defs) {
    resources.push({
      name: d.plural,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: d.verbs ?? ALL_VERBS,
      ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
      ...(d.categories?.length ? { categories: d.categories } : {}),
    });
    for (const sub of subresourcesOf(d)) {
      const info = subresourceInfo(d, sub);
      resources.push({
        name: `${d.plural}/${sub}`,
        singularName: '',
        namespaced: d.namespaced,
        ...(info.group !== undefined ? { group: info.group, version: info.version } : {}),
        kind: info.kind,
        verbs: info.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

/** Aggregated discovery for either the core group (/api) or every named group (/apis). */
export function aggregatedDiscovery(reg: KindRegistry, core: boolean, apiVersion: 'apidiscovery.k8s.io/v2' | 'apidiscovery.k8s.io/v2beta1', hide?: ReadonlySet<string>) {
  const groups = visibleGroups(reg, hide).filter((g) => (core ? g.group === '' : g.group !== ''));
  // The preferred version goes first: clients take the first as preferred.
  const items = groups.map((g) => ({
    metadata: { name: g.group },
    versions: [g.preferredVersion, ...g.versions.filter((v) => v !== g.preferredVersion)].map((v) => ({
      version: v,
      resources: reg
        .all()
        .filter((d) => d.group === g.group && d.version === v)
        .map((d) => ({
          resource: d.plural,
          responseKind: { group: d.group, version: d.version, kind: d.kind },
          scope: d.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: d.singular,
          verbs: d.verbs ?? ALL_VERBS,
          ...(d.shortNames?.length ? { shortNames: d.shortNames } : {}),
          ...(d.categories?.length ? { categories: d.categories } : {}),
          ...(subresourcesOf(d).length
            ? {
                subresources: subresourcesOf(d).map((sub) => {
                  const info = subresourceInfo(d, sub);
                  return { subresource: sub, responseKind: { group: info.group ?? d.group, version: info.version ?? d.version, kind: info.kind }, verbs: info.verbs };
                }),
              }
            : {}),
        })),
      freshness: 'Current',
    })),
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items };
}
