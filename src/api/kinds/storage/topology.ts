// core/v1 TopologySelectorTerm: where a StorageClass may provision volumes (allowedTopologies), as
// label keys and the values each may take. Validated as Kubernetes' ValidateTopologySelectorTerm.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { listOf, str, struct } from '../../schema.js';
import { checkQualifiedName, objects, str as text } from '../workloads/checks.js';

export const topologySelectorLabelRequirement = struct(
  'io.k8s.api.core.v1.TopologySelectorLabelRequirement',
  'A topology label key and the values a node may have for it.',
  {
    key: str('The label key.'),
    values: listOf(str(), 'Values the key may have; at least one.'),
  },
  { documentedRequired: ['key', 'values'] },
);

export const topologySelectorTerm = struct(
  'io.k8s.api.core.v1.TopologySelectorTerm',
  'Label requirements that must all hold (an empty term matches nothing).',
  {
    matchLabelExpressions: listOf(topologySelectorLabelRequirement, 'The requirements, ANDed.'),
  },
  { mapType: 'atomic' },
);

/** One term at path p; returns its errors and a canonical form for finding duplicate terms. */
function validateTerm(term: Record<string, unknown>, p: string): { errs: FieldError[]; canonical: string } {
  const errs: FieldError[] = [];
  const byKey = new Map<string, string[]>();
  objects(term.matchLabelExpressions).forEach((rq, i) => {
    const rp = `${p}.matchLabelExpressions[${i}]`;
    const values = Array.isArray(rq.values) ? rq.values.map(text) : [];
    if (values.length === 0) errs.push(fieldErr.required(`${rp}.values`));
    const seen = new Set<string>();
    values.forEach((v, j) => {
      if (seen.has(v)) errs.push(fieldErr.duplicate(`${rp}.values[${j}]`, v));
      seen.add(v);
    });
    const key = text(rq.key);
    errs.push(...checkQualifiedName(`${rp}.key`, key));
    if (byKey.has(key)) errs.push(fieldErr.duplicate(`${rp}.key`, key));
    byKey.set(key, [...seen].sort());
  });
  const canonical = JSON.stringify([...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { errs, canonical };
}

/** A StorageClass's allowedTopologies: each term valid, no two terms the same. */
export function validateAllowedTopologies(terms: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objects(terms).forEach((t, i) => {
    const r = validateTerm(t, `${p}[${i}]`);
    errs.push(...r.errs);
    if (seen.has(r.canonical)) errs.push(fieldErr.duplicate(`${p}[${i}].matchLabelExpressions`, ''));
    seen.add(r.canonical);
  });
  return errs;
}
