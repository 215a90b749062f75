// A deep copy of a JSON value (what API objects are: plain objects, arrays, strings, numbers,
// booleans, null). structuredClone handles every type the platform knows and pays for it: on a
// 5,000-container pod it took ~50 ms, this copy ~7 times less, and the write path copies the
// stored object twice per request. Undefined values are copied as they are (structuredClone keeps
// them too); a key named "__proto__" (JSON.parse makes it an own property) stays an own property
// instead of setting the copy's prototype.

export function cloneJson<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = cloneJson(v[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  // Own keys only: a polluted Object.prototype must not leak into copies.
  for (const k of Object.keys(v)) {
    const x = cloneJson((v as Record<string, unknown>)[k]);
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out as T;
}
