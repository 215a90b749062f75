// Label selectors: the string syntax of ?labelSelector= (a=b, a!=b, a in (x,y), a notin (x), a, !a),
// LabelSelector objects (matchLabels + matchExpressions), matching, and the canonical string form.

import { ApiError } from './errors.js';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export interface Selector {
  requirements: Requirement[];
  matches(labels: Record<string, string>): boolean;
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: Operator | string; values?: string[] }[];
}

function matcher(requirements: Requirement[]): Selector {
  return {
    requirements,
    matches(labels) {
      return requirements.every((r) => {
        const has = Object.hasOwn(labels, r.key);
        switch (r.operator) {
          case 'In':
            return has && r.values.includes(labels[r.key]);
          case 'NotIn':
            return !has || !r.values.includes(labels[r.key]);
          case 'Exists':
            return has;
          case 'DoesNotExist':
            return !has;
          default:
            return false;
        }
      });
    },
  };
}

const bad = (s: string, why: string) => new ApiError(400, 'BadRequest', `unable to parse requirement: ${why} (in label selector "${s}")`);

/** Parses the string form; a syntax error is a 400 that quotes the selector. */
export function parseLabelSelector(s: string): Selector {
  const reqs: Requirement[] = [];
  let i = 0;
  const ws = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const ident = () => {
    ws();
    const m = /^[A-Za-z0-9_./-]+/.exec(s.slice(i));
    if (!m) return '';
    i += m[0].length;
    return m[0];
  };
  while (i < s.length) {
    ws();
    if (i >= s.length) break;
    let neg = false;
    if (s[i] === '!') {
      neg = true;
      i++;
    }
    const key = ident();
    if (!key) throw bad(s, `expected a label key at position ${i}`);
    ws();
    if (neg) {
      reqs.push({ key, operator: 'DoesNotExist', values: [] });
    } else if (s.startsWith('!=', i)) {
      i += 2;
      reqs.push({ key, operator: 'NotIn', values: [ident()] });
    } else if (s.startsWith('==', i)) {
      i += 2;
      reqs.push({ key, operator: 'In', values: [ident()] });
    } else if (s[i] === '=') {
      i += 1;
      reqs.push({ key, operator: 'In', values: [ident()] });
    } else if (/^(in|notin)\s*\(/.test(s.slice(i))) {
      const op = s.startsWith('notin', i) ? 'NotIn' : 'In';
      i = s.indexOf('(', i) + 1;
      const close = s.indexOf(')', i);
      if (close < 0) throw bad(s, 'found end of selector, expected ")"');
      const values = s
        .slice(i, close)
        .split(',')
        .map((v) => v.trim());
      if (op === 'In' && values.length === 1 && values[0] === '') throw bad(s, 'for "in" operator, values set can\'t be empty');
      reqs.push({ key, operator: op, values });
      i = close + 1;
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ key, operator: 'Exists', values: [] });
    } else {
      throw bad(s, `found '${s[i]}', expected: '=', '!=', '==', 'in', notin'`);
    }
    ws();
    if (i < s.length) {
      if (s[i] !== ',') throw bad(s, `found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return matcher(reqs);
}

/** A LabelSelector object as a matcher. Empty matches everything; null/undefined matches nothing. */
export function selectorFromObject(sel: LabelSelectorObject | undefined | null): Selector {
  if (!sel) return { requirements: [], matches: () => false };
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In' as const, values: [v] }));
  for (const e of sel.matchExpressions ?? []) reqs.push({ key: e.key, operator: e.operator as Operator, values: e.values ?? [] });
  return matcher(reqs);
}

/** The canonical string form: `app=web,tier in (a,b)`. */
export function labelSelectorToString(sel: LabelSelectorObject | undefined | null): string {
  if (!sel) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => a.localeCompare(b))) parts.push(`${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const vs = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vs})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vs})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}
