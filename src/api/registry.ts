// The kinds the server serves, looked up by resource or kind. CRDs add and remove kinds at run time,
// so listeners (discovery, OpenAPI caches) are told of every change.

import type { KindDef } from './kind.js';

export interface GroupInfo {
  group: string;
  versions: string[];
  preferredVersion: string;
}

const key = (g: string, v: string, x: string) => `${g}/${v}/${x}`;

/** Kubernetes' version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    return [m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [pa, pb] = [parse(a), parse(b)];
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pb[i] - pa[i];
  return a.localeCompare(b);
}

export class KindRegistry {
  private byRes = new Map<string, KindDef>();
  private byKindMap = new Map<string, KindDef>();
  private listeners = new Set<() => void>();

  constructor(defs: KindDef[] = []) {
    for (const d of defs) this.put(d);
  }

  private put(def: KindDef) {
    this.byRes.set(key(def.group, def.version, def.plural), def);
    this.byKindMap.set(key(def.group, def.version, def.kind), def);
  }

  add(def: KindDef) {
    this.put(def);
    this.changed();
  }

  remove(group: string, version: string, plural: string) {
    const d = this.byRes.get(key(group, version, plural));
    if (!d) return;
    this.byRes.delete(key(group, version, plural));
    this.byKindMap.delete(key(group, version, d.kind));
    this.changed();
  }

  private changed() {
    for (const l of this.listeners) l();
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  all(): KindDef[] {
    return [...this.byRes.values()];
  }

  byResource(group: string, version: string, plural: string): KindDef | undefined {
    return this.byRes.get(key(group, version, plural));
  }

  byKind(group: string, version: string, kind: string): KindDef | undefined {
    return this.byKindMap.get(key(group, version, kind));
  }

  /** Groups in a stable order: core first, then as Kubernetes lists them (registration order). */
  groups(): GroupInfo[] {
    const m = new Map<string, Set<string>>();
    for (const d of this.byRes.values()) {
      if (!m.has(d.group)) m.set(d.group, new Set());
      m.get(d.group)!.add(d.version);
    }
    return [...m].map(([group, vs]) => {
      const versions = [...vs].sort(compareVersions);
      return { group, versions, preferredVersion: versions[0] };
    });
  }
}
