// Builds the predicate a list, watch or deletecollection filters by, from ?labelSelector= and
// ?fieldSelector=. metadata.name and metadata.namespace work for every kind; a kind declares others.

import type { KObject } from '../api/kind.js';
import { parseLabelSelector, labelSelectorToString } from '../api/labels.js';
import { parseFieldSelector } from '../api/fields.js';
import type { RequestContext } from './context.js';
import { badRequest } from '../api/errors.js';

export type ObjectFilter = (obj: KObject) => boolean;

export function buildFilter(rc: RequestContext): ObjectFilter | undefined {
  const ls = rc.query.get('labelSelector');
  const fs = rc.query.get('fieldSelector');
  const preds: ObjectFilter[] = [];
  if (ls) {
    const sel = parseLabelSelector(ls);
    preds.push((o) => sel.matches(o.metadata?.labels ?? {}));
  }
  if (fs) {
    const extractors: Record<string, (o: KObject) => string | undefined> = {
      'metadata.name': (o) => o.metadata?.name,
      'metadata.namespace': (o) => o.metadata?.namespace ?? '',
      ...(rc.def.fieldSelectors ?? {}),
    };
    const sel = parseFieldSelector(fs);
    for (const r of sel.requirements) {
      if (!extractors[r.field]) {
        throw badRequest(`field label not supported: ${r.field}`);
      }
    }
    preds.push((o) => sel.matches((field) => extractors[field]?.(o) ?? ''));
  }
  if (preds.length === 0) return undefined;
  if (preds.length === 1) return preds[0];
  return (o) => preds.every((p) => p(o));
}

export function selectorToString(sel: unknown): string {
  return labelSelectorToString(sel as never);
}
