// Duplicate keys in a parsed YAML document, found in linear time. The yaml library's own check
// (uniqueKeys) compares each key with every earlier key of its map: a 100,000-key map took minutes.
// So documents are parsed with uniqueKeys off and checked here with one Set per map.

import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { MAX_REPORTED_DUPLICATES } from './decode-limits.js';

interface Visit {
  node: Node;
  parent?: Visit;
  /** How the parent names this node: a key, or an index in brackets. */
  seg: string;
  isIndex: boolean;
}

const keyText = (k: unknown): string => (isScalar(k) ? String(k.value) : String(k));

/** Paths (a.b[0].c) of keys repeated within one map; aliases are not followed (their targets are checked where defined). */
export function yamlDuplicateKeys(doc: Document): string[] {
  const out: string[] = [];
  const root = doc.contents as Node | null;
  if (!root) return out;
  const pathOf = (v: Visit | undefined, leaf: string): string => {
    const segs: string[] = [leaf];
    for (let cur = v; cur?.parent; cur = cur.parent) segs.push(cur.isIndex ? `[${cur.seg}]` : cur.seg);
    let s = '';
    for (let i = segs.length - 1; i >= 0; i--) s += segs[i].startsWith('[') || s === '' ? segs[i] : `.${segs[i]}`;
    return s;
  };
  // Breadth first through a queue: reports come out in document order level by level.
  const stack: Visit[] = [{ node: root, seg: '', isIndex: false }];
  for (let head = 0; head < stack.length; head++) {
    const v = stack[head];
    const n = v.node;
    if (isAlias(n)) continue;
    if (isMap(n)) {
      const seen = new Set<string>();
      for (const pair of n.items) {
        const k = keyText(pair.key);
        if (seen.has(k)) {
          if (out.length < MAX_REPORTED_DUPLICATES) out.push(pathOf(v, k));
        } else seen.add(k);
        if (pair.value && typeof pair.value === 'object') stack.push({ node: pair.value as Node, parent: v, seg: k, isIndex: false });
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => {
        if (item && typeof item === 'object') stack.push({ node: item as Node, parent: v, seg: String(i), isIndex: true });
      });
    }
  }
  return out;
}
