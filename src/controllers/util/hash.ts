// The hashes workload controllers name things by, as Kubernetes computes them: FNV-32a over the
// object (here its canonical JSON, keys sorted, so equal values hash equally whatever their key
// order), printed as decimal digits mapped onto Kubernetes' "safe" alphabet (no vowels, so no
// words, and no 0/1/3), so a hash is a valid label value. A collision count salts the hash when two
// different values collide; the two kinds of hash salt it differently, as in Kubernetes.

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE[s.charCodeAt(i) % SAFE.length];
  return out;
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

/** A ControllerRevision's hash (StatefulSets, DaemonSets): the collision count appended as text. */
export function revisionHash(value: unknown, collisionCount?: number): string {
  let text = canonicalJson(value);
  if (collisionCount) text += `#${collisionCount}`;
  return safeEncode(String(fnv32a(utf8(text))));
}

/** A Deployment's pod-template-hash: the collision count hashed in as 4 little-endian bytes. */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(utf8(canonicalJson(template)));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(b, h);
  }
  return safeEncode(String(h));
}
