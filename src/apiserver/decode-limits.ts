// Bounds on decoded request bodies, checked before or right after parsing and without recursion, so
// a hostile body costs linear time and never exhausts the stack or the heap.
//
// Nesting depth: Kubernetes allows 10,000 levels in JSON. We allow 512 because everything after
// decoding walks objects recursively (validation, defaulting, strategic merge, field sets, deep
// equality), and the YAML library composes recursively and runs out of Node's default stack near
// 800 levels; one limit for every content type keeps behaviour the same whatever a client sends.
// No real Kubernetes object comes near it (a pod template is about 20 levels deep).

import { Lexer } from 'yaml';

export const MAX_NESTING_DEPTH = 512;
/** Duplicate keys reported per body: enough to fix a manifest, bounded so warnings stay small. */
export const MAX_REPORTED_DUPLICATES = 100;

export const depthMessage = (max = MAX_NESTING_DEPTH) => `nesting depth exceeds the limit of ${max} levels of objects and lists`;

export interface JsonScan {
  /** True when the text nests deeper than the limit (scanning stopped there). */
  tooDeep: boolean;
  /** Duplicate object keys as paths like spec.containers[0].name (JSON.parse keeps only the last). */
  duplicates: string[];
}

interface Frame {
  isObj: boolean;
  keys?: Set<string>;
  /** The current key (objects) or index (lists): how a child's path is named, built only when needed. */
  key: string;
  index: number;
}

/**
 * One linear pass over JSON text: nesting depth (stopping at the limit) and duplicate keys. Paths are
 * built only for duplicates, from the frame stack, so long keys deep down cost nothing extra.
 */
export function scanJson(text: string, maxDepth = MAX_NESTING_DEPTH): JsonScan {
  const duplicates: string[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  const pathOf = (leaf: string): string => {
    let s = '';
    for (let f = 0; f < stack.length; f++) {
      const fr = stack[f];
      if (f === stack.length - 1) break;
      s += fr.isObj ? (s ? `.${fr.key}` : fr.key) : `[${fr.index}]`;
    }
    return s ? `${s}.${leaf}` : leaf;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = ++i;
      let escaped = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === 0x22) break;
        i++;
      }
      const raw = text.slice(start, Math.min(i, n));
      i++;
      const top = stack[stack.length - 1];
      if (!top?.isObj) continue;
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\n' || text[j] === '\r' || text[j] === '\t')) j++;
      if (text[j] !== ':') continue;
      let key = raw;
      if (escaped) {
        try {
          key = JSON.parse(`"${raw}"`) as string;
        } catch {
          /* invalid JSON: JSON.parse reports it */
        }
      }
      top.keys ??= new Set();
      if (top.keys.has(key)) {
        if (duplicates.length < MAX_REPORTED_DUPLICATES) duplicates.push(pathOf(key));
      } else top.keys.add(key);
      top.key = key;
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return { tooDeep: true, duplicates };
      stack.push({ isObj: c === 0x7b, key: '', index: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top && !top.isObj) top.index++;
    }
    i++;
  }
  return { tooDeep: false, duplicates };
}

const isControl = (tok: string) => tok.length === 1 && tok.charCodeAt(0) < 0x20 && tok !== '\n';

/**
 * An upper bound on the nesting of YAML text, from the library's lexer (linear, no recursion), that
 * stops as soon as the bound passes the limit: flow collections count their brackets; block
 * collections count indentation levels (a stack of columns, as YAML's block structure is), with
 * compact nested `- - x` and `? ? x` items at their own columns, times two because a block sequence
 * may sit at its parent mapping's indentation. Aliases can nest further; `valueDepthExceeds` checks
 * the composed value.
 */
export function yamlDepthExceeds(text: string, maxDepth = MAX_NESTING_DEPTH): boolean {
  const columns: number[] = [];
  let flow = 0;
  let flowBase = 0;
  let column = 0;
  let lineStart = true;
  for (const tok of new Lexer().lex(text)) {
    if (tok === '\n' || tok === '\r\n') {
      column = 0;
      lineStart = true;
      continue;
    }
    if (isControl(tok)) continue;
    if (lineStart) {
      lineStart = false;
      if (flow === 0) {
        const indent = /^ +$/.test(tok) ? tok.length : 0;
        while (columns.length > 0 && columns[columns.length - 1] > indent) columns.pop();
        if (columns.length === 0 || columns[columns.length - 1] < indent) columns.push(indent);
      }
    }
    if (flow === 0 && (tok === '-' || tok === '?') && column > columns[columns.length - 1]) columns.push(column);
    if (tok === '[' || tok === '{') {
      if (flow === 0) flowBase = 2 * columns.length;
      flow++;
    } else if (tok === ']' || tok === '}') {
      if (flow > 0) flow--;
    }
    if ((flow > 0 ? flowBase + flow : 0) > maxDepth || 2 * columns.length > maxDepth) return true;
    column += tok.length;
  }
  return false;
}

/**
 * Whether a decoded value nests deeper than the limit. Iterative, and each object is measured once
 * (YAML aliases make a value a DAG that a naive walk would expand exponentially); a cycle reads as
 * too deep.
 */
export function valueDepthExceeds(root: unknown, maxDepth = MAX_NESTING_DEPTH): boolean {
  const height = new Map<object, number>();
  type Item = { node: object; children: unknown[]; next: number; max: number };
  const childrenOf = (o: object): unknown[] => (Array.isArray(o) ? o : Object.values(o));
  if (root === null || typeof root !== 'object') return false;
  const stack: Item[] = [{ node: root, children: childrenOf(root), next: 0, max: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (child === null || typeof child !== 'object') continue;
      const known = height.get(child);
      if (known !== undefined) {
        if (known > top.max) top.max = known;
        if (stack.length + known > maxDepth) return true;
        continue;
      }
      if (stack.length >= maxDepth) return true;
      stack.push({ node: child, children: childrenOf(child), next: 0, max: 0 });
      continue;
    }
    stack.pop();
    const h = top.max + 1;
    height.set(top.node, h);
    const parent = stack[stack.length - 1];
    if (parent && h > parent.max) parent.max = h;
  }
  return false;
}
