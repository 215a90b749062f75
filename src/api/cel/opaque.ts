// Kubernetes' CEL libraries add types (Quantity, URL, IP, CIDR, authorizer checks) that
// @bufbuild/cel cannot declare without protobuf descriptors. Each value is carried as a one-entry CEL
// map whose key names the type and whose value is its canonical text, so == compares them by value;
// the JavaScript object behind it is found through a WeakMap. (type(x) says map: a known gap.)

import { type CelMap, type CelValue, celMap, isCelMap } from '@bufbuild/cel';

const behind = new WeakMap<object, { tag: string; data: unknown }>();

/** extra: further fields selectable on the value (authorizer.requestResource). */
export function makeOpaque(tag: string, canonical: string, data: unknown, extra: [string, CelValue][] = []): CelMap {
  const m = celMap(new Map<string, CelValue>([[`@${tag}`, canonical], ...extra]));
  behind.set(m, { tag, data });
  return m;
}

export function opaqueOf<T>(tag: string, v: CelValue | undefined): T {
  const o = isCelMap(v) ? behind.get(v) : undefined;
  if (!o || o.tag !== tag) throw new Error(`no such overload: expected a ${tag}`);
  return o.data as T;
}

export function isOpaque(tag: string, v: CelValue | undefined): boolean {
  return isCelMap(v) && behind.get(v)?.tag === tag;
}
