// This server's discovery with the available extension groups merged in, as kube-aggregator
// merges them: the legacy group list (/apis) and group documents (/apis/<group>) gain the groups
// of APIServices whose Available condition is True; aggregated discovery (apidiscovery.k8s.io)
// gains their resources from the APIResourceList each server answered to its last availability
// check. /apis/<group>/<version> itself is proxied to the extension server.

import { compareVersions } from '../../api/registry.js';
import type { APIResourceList } from './availability.js';
import type { ExtensionVersion } from './index.js';

type GroupEntry = { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } };

/** Extension groups with their versions in preference order (versionPriority, then Kubernetes' version order). */
export function extensionGroups(exts: ExtensionVersion[], localGroups: ReadonlySet<string>): Map<string, ExtensionVersion[]> {
  const out = new Map<string, ExtensionVersion[]>();
  for (const e of exts) {
    // A group served here keeps this server's versions only: kube-aggregator would merge them, but
    // a built-in group with an extension version is not something gifee supports yet.
    if (localGroups.has(e.group) || !e.group) continue;
    const list = out.get(e.group) ?? [];
    list.push(e);
    out.set(e.group, list);
  }
  for (const list of out.values()) list.sort((a, b) => b.versionPriority - a.versionPriority || compareVersions(a.version, b.version));
  return out;
}

function groupEntry(group: string, versions: ExtensionVersion[]): GroupEntry {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v.version}`, version: v.version }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function mergeGroupList<T extends { groups: GroupEntry[] }>(list: T, groups: Map<string, ExtensionVersion[]>): T {
  return { ...list, groups: [...list.groups, ...[...groups].map(([g, vs]) => groupEntry(g, vs))] };
}

export function extensionGroupDoc(group: string, groups: Map<string, ExtensionVersion[]>) {
  const vs = groups.get(group);
  if (!vs) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, vs) };
}

/** One version's resources in aggregated discovery's shape (subresources folded under their resource). */
export function aggregatedResources(group: string, version: string, list: APIResourceList | undefined) {
  const top = (list?.resources ?? []).filter((r) => !r.name.includes('/'));
  return top.map((r) => {
    const subs = (list?.resources ?? []).filter((s) => s.name.startsWith(`${r.name}/`) && s.name.split('/').length === 2);
    return {
      resource: r.name,
      responseKind: { group, version, kind: r.kind ?? '' },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singularName ?? '',
      verbs: r.verbs ?? [],
      ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories?.length ? { categories: r.categories } : {}),
      ...(subs.length ? { subresources: subs.map((s) => ({ subresource: s.name.split('/')[1], responseKind: { group: s.group ?? group, version: s.version ?? version, kind: s.kind ?? '' }, verbs: s.verbs ?? [] })) } : {}),
    };
  });
}

export function mergeAggregated<T extends { items: unknown[] }>(doc: T, groups: Map<string, ExtensionVersion[]>): T {
  const extra = [...groups].map(([group, vs]) => ({
    metadata: { name: group },
    versions: vs.map((v) => ({ version: v.version, resources: aggregatedResources(group, v.version, v.resources), freshness: v.resources ? 'Current' : 'Stale' })),
  }));
  return { ...doc, items: [...doc.items, ...extra] };
}
