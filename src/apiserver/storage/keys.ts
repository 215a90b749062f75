// Where each object lives in the store: /registry/{group|core}/{plural}/{namespace}/{name}, or
// without the namespace for cluster-scoped kinds. Prefixes end in '/' so "default" never matches "default2".

import type { KindDef } from '../../api/kind.js';

const groupSegment = (group: string) => group || 'core';

export function resourcePrefix(def: Pick<KindDef, 'group' | 'plural'>): string {
  return `/registry/${groupSegment(def.group)}/${def.plural}/`;
}

export function collectionPrefix(def: Pick<KindDef, 'group' | 'plural' | 'namespaced'>, namespace?: string): string {
  const base = resourcePrefix(def);
  return def.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(def: Pick<KindDef, 'group' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return def.namespaced ? `${resourcePrefix(def)}${namespace}/${name}` : `${resourcePrefix(def)}${name}`;
}
