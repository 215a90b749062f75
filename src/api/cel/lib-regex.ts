// Kubernetes' CEL regex library: <string>.find(re) and .findAll(re[, n]). Patterns are RE2 syntax.
// @bufbuild/re2 (the linear-time engine @bufbuild/cel's matches() uses) only answers "does it
// match", not where, so: the pattern is first checked and tried with RE2 (a miss ends there, in
// linear time); a hit is located with the JavaScript engine on the pattern translated from RE2,
// which is only allowed when it cannot backtrack exponentially (no quantifier inside a quantified
// group: "star height" 1). Other patterns are refused by find/findAll with an error saying why.

import { type CelFunc, CelScalar, celMethod, listType } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';

interface Compiled {
  re2: RE2JS;
  js?: RegExp;
  problem?: string;
}

const cache = new Map<string, Compiled>();

function compile(pattern: string): Compiled {
  let c = cache.get(pattern);
  if (c) return c;
  const re2 = RE2JS.compile(pattern); // throws "error parsing regexp: ..." as RE2 would
  c = { re2 };
  const nested = nestedQuantifier(pattern);
  if (nested) c.problem = `regex ${JSON.stringify(pattern)} has a quantifier inside a quantified group, which find/findAll do not support`;
  else {
    try {
      const { source, flags } = toJs(pattern);
      c.js = new RegExp(source, `${flags}gu`);
    } catch (e) {
      c.problem = `regex ${JSON.stringify(pattern)} is not supported by find/findAll: ${(e as Error).message}`;
    }
  }
  if (cache.size > 500) cache.clear();
  cache.set(pattern, c);
  return c;
}

/** RE2 -> JavaScript: leading flag groups become flags, (?P<name> becomes (?<name>. */
function toJs(p: string): { source: string; flags: string } {
  let flags = '';
  let rest = p;
  const m = /^\(\?([ims]+)\)/.exec(rest);
  if (m) {
    flags = [...new Set(m[1])].join('');
    rest = rest.slice(m[0].length);
  }
  return { source: rest.replaceAll('(?P<', '(?<').replaceAll('\\z', '$').replaceAll('\\A', '^'), flags };
}

/** True when a group containing a quantifier is itself quantified. */
function nestedQuantifier(p: string): boolean {
  const groups: boolean[] = []; // per open group: does it contain a quantifier?
  let inClass = false;
  let afterQuantifiedGroup = false; // the previous token closed a group that contains a quantifier
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      i++;
      afterQuantifiedGroup = false;
    } else if (inClass) {
      if (ch === ']') inClass = false;
    } else if (ch === '[') {
      inClass = true;
      afterQuantifiedGroup = false;
    } else if (ch === '(') {
      groups.push(false);
      afterQuantifiedGroup = false;
    } else if (ch === ')') {
      afterQuantifiedGroup = groups.pop() ?? false;
      if (afterQuantifiedGroup && groups.length) groups[groups.length - 1] = true;
    } else if (ch === '*' || ch === '+' || ch === '{' || (ch === '?' && p[i - 1] !== '(')) {
      if (afterQuantifiedGroup) return true;
      if (groups.length) groups[groups.length - 1] = true;
    } else afterQuantifiedGroup = false;
  }
  return false;
}

function findAll(s: string, pattern: string, limit: number): string[] {
  if (limit === 0) return [];
  const c = compile(pattern);
  if (!c.re2.test(s)) return [];
  if (!c.js) throw new Error(c.problem);
  const out: string[] = [];
  c.js.lastIndex = 0;
  for (const m of s.matchAll(c.js)) {
    out.push(m[0]);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

export const regexFuncs: CelFunc[] = [
  celMethod('find', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (this: string, re: string) {
    return findAll(this, re, 1)[0] ?? '';
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING], listType(CelScalar.STRING), function (this: string, re: string) {
    return findAll(this, re, -1);
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING, CelScalar.INT], listType(CelScalar.STRING), function (this: string, re: string, n: bigint) {
    return findAll(this, re, n < 0n ? -1 : Number(n > 1_000_000n ? 1_000_000n : n));
  }),
];

/** Exposed for tests. */
export const _nestedQuantifier = nestedQuantifier;
