// This server's discovery with the available extension groups merged in, as kube-aggregator
// merges them: the legacy group list (/apis) and group documents (/apis/<group>) gain the groups
// of APIServices whose Available condition is True; aggregated discovery (apidiscovery.k8s.io)
// gains their resources from the APIResourceList each server answered to its last availability
// check. /apis/<group>/<version> itself is proxied to the extension server.
//
// An extension version of a group served here (v2alpha1.batch next to the built-in batch/v1) joins
// that group: kube-aggregator orders a group's versions by their APIServices' versionPriority
// (higher first; equal: Kubernetes' version order) and prefers the first, local and extension
// APIServices alike. Built-in versions have 15, 14, ... in version order (local-apiservices.ts), so an
// extension version with a lower versionPriority leaves the built-in one preferred.

import { compareVersions } from '../../api/registry.js';
import type { APIResourceList } from './availability.js';
import type { ExtensionVersion } from './index.js';

type GroupEntry = { name: string; versions: { groupVersion: string; version: string }[]; preferredVersion: { groupVersion: string; version: string } };

/** Extension groups with their versions in preference order (versionPriority, then Kubernetes' version order). */
export function extensionGroups(exts: ExtensionVersion[], localGroups: ReadonlySet<string>): Map<string, ExtensionVersion[]> {
  const out = new Map<string, ExtensionVersion[]>();
  for (const e of exts) {
    // A group served here gains the extension's versions instead (localGroupExtensions).
    if (localGroups.has(e.group) || !e.group) continue;
    const list = out.get(e.group) ?? [];
    list.push(e);
    out.set(e.group, list);
  }
  for (const list of out.values()) list.sort((a, b) => b.versionPriority - a.versionPriority || compareVersions(a.version, b.version));
  return out;
}

/** Extension versions of groups this server serves itself, by group. */
export function localGroupExtensions(exts: ExtensionVersion[], localGroups: ReadonlySet<string>): Map<string, ExtensionVersion[]> {
  const out = new Map<string, ExtensionVersion[]>();
  for (const e of exts) {
    if (!e.group || !localGroups.has(e.group)) continue;
    const list = out.get(e.group) ?? [];
    list.push(e);
    out.set(e.group, list);
  }
  return out;
}

/** versionPriority of a local version: its APIService's, or what local-apiservices.ts gives it (15 - index in version order). */
export type LocalPriority = (group: string, version: string, index: number) => number;
export const defaultLocalPriority: LocalPriority = (_g, _v, i) => Math.max(1, 15 - i);

/** A group's versions, local and extension, in kube-aggregator's order: the first is preferred. */
export function orderedVersions(group: string, local: string[], exts: ExtensionVersion[], priority: LocalPriority): string[] {
  const all = local.map((version, i) => ({ version, p: priority(group, version, i) }));
  for (const e of exts) if (!local.includes(e.version)) all.push({ version: e.version, p: e.versionPriority });
  all.sort((a, b) => b.p - a.p || compareVersions(a.version, b.version));
  return all.map((x) => x.version);
}

function withExtensionVersions<T extends GroupEntry>(g: T, exts: ExtensionVersion[] | undefined, priority: LocalPriority): T {
  if (!exts?.length) return g;
  const order = orderedVersions(
    g.name,
    g.versions.map((v) => v.version),
    exts,
    priority,
  );
  // Discovery lists local versions in version order, so their index gives the default priority.
  const vs = order.map((version) => ({ groupVersion: `${g.name}/${version}`, version }));
  return { ...g, versions: vs, preferredVersion: vs[0] };
}

/** /apis: local groups gain their extension versions (see the header). */
export function mergeLocalGroupList<T extends { groups: GroupEntry[] }>(list: T, extra: Map<string, ExtensionVersion[]>, priority: LocalPriority): T {
  if (!extra.size) return list;
  return { ...list, groups: list.groups.map((g) => withExtensionVersions(g, extra.get(g.name), priority)) };
}

/** /apis/<group> of a local group, with its extension versions. */
export function mergeLocalGroupDoc<T extends GroupEntry>(doc: T | undefined, extra: Map<string, ExtensionVersion[]>, priority: LocalPriority): T | undefined {
  return doc && withExtensionVersions(doc, extra.get(doc.name), priority);
}

type AggregatedVersion = { version: string; resources: unknown[]; freshness: string };

/** Aggregated discovery: a local group's items gain the extension versions, all in priority order. */
export function mergeLocalAggregated<T extends { items: unknown[] }>(doc: T, extra: Map<string, ExtensionVersion[]>, priority: LocalPriority): T {
  if (!extra.size) return doc;
  const items = (doc.items as { metadata: { name: string }; versions: AggregatedVersion[] }[]).map((item) => {
    const group = item.metadata.name;
    const exts = extra.get(group);
    if (!exts?.length) return item;
    // The local versions in version order give their default priorities (the doc lists the preferred first).
    const local = item.versions.map((v) => v.version).sort(compareVersions);
    const byVersion = new Map(item.versions.map((v) => [v.version, v]));
    for (const e of exts) if (!byVersion.has(e.version)) byVersion.set(e.version, { version: e.version, resources: aggregatedResources(group, e.version, e.resources), freshness: e.resources ? 'Current' : 'Stale' });
    return { ...item, versions: orderedVersions(group, local, exts, priority).map((v) => byVersion.get(v)!) };
  });
  return { ...doc, items };
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
