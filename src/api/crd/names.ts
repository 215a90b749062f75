// Kubernetes' CRD naming controller, as a pure function: which of a CRD's requested names it may
// have, given the names other CRDs of its group already hold (their status.acceptedNames) and the
// built-in kinds of that group. A conflicting plural, singular, kind or listKind keeps the CRD
// unaccepted (NamesAccepted=False with the conflict as reason); conflicting short names alone
// are refused too, as Kubernetes does.

import type { CrdNames } from './types.js';

export interface HeldNames {
  plurals: Set<string>;
  singulars: Set<string>;
  kinds: Set<string>;
  listKinds: Set<string>;
  shortNames: Set<string>;
}

export const emptyHeld = (): HeldNames => ({ plurals: new Set(), singulars: new Set(), kinds: new Set(), listKinds: new Set(), shortNames: new Set() });

export function holdNames(held: HeldNames, n: CrdNames | undefined) {
  if (!n) return;
  if (n.plural) held.plurals.add(n.plural);
  if (n.singular) held.singulars.add(n.singular);
  if (n.kind) held.kinds.add(n.kind);
  if (n.listKind) held.listKinds.add(n.listKind);
  for (const s of n.shortNames ?? []) held.shortNames.add(s);
}

export interface NamesDecision {
  accepted: CrdNames;
  /** NamesAccepted condition: status True/False, reason and message as Kubernetes words them. */
  condition: { status: 'True' | 'False'; reason: string; message: string };
}

/** The names with Kubernetes' defaults: singular from the kind, listKind kind+List. */
export function defaultedNames(n: CrdNames | undefined): CrdNames {
  const kind = n?.kind ?? '';
  return { ...n, plural: n?.plural ?? '', singular: n?.singular || kind.toLowerCase(), kind, listKind: n?.listKind || `${kind}List` };
}

/**
 * Decides a CRD's accepted names. `current` is what its status holds already: names once accepted
 * stay accepted for this CRD (they are in `held` only when another CRD holds them).
 */
export function decideNames(requested: CrdNames | undefined, current: CrdNames | undefined, held: HeldNames): NamesDecision {
  const req = defaultedNames(requested);
  const accepted: CrdNames = { ...(current ?? {}) };
  const conflicts: { reason: string; message: string }[] = [];
  const check = (value: string | undefined, set: Set<string>, reason: string, key: 'plural' | 'singular' | 'kind' | 'listKind') => {
    if (!value) return;
    if (set.has(value)) conflicts.push({ reason, message: `"${value}" is already in use` });
    else accepted[key] = value;
  };
  check(req.plural, held.plurals, 'PluralConflict', 'plural');
  check(req.singular, held.singulars, 'SingularConflict', 'singular');
  // A plural that is another's singular (or the reverse) would make `kubectl get` ambiguous.
  if (req.plural && held.singulars.has(req.plural)) conflicts.push({ reason: 'PluralConflict', message: `"${req.plural}" is already in use` });
  if (req.singular && held.plurals.has(req.singular)) conflicts.push({ reason: 'SingularConflict', message: `"${req.singular}" is already in use` });
  const shortConflict = (req.shortNames ?? []).find((s) => held.shortNames.has(s) || held.plurals.has(s) || held.singulars.has(s));
  if (shortConflict) conflicts.push({ reason: 'ShortNamesConflict', message: `"${shortConflict}" is already in use` });
  else accepted.shortNames = req.shortNames;
  check(req.kind, held.kinds, 'KindConflict', 'kind');
  check(req.listKind, held.listKinds, 'ListKindConflict', 'listKind');
  accepted.categories = req.categories;
  if (conflicts.length) return { accepted, condition: { status: 'False', ...conflicts[0] } };
  return { accepted: req, condition: { status: 'True', reason: 'NoConflicts', message: 'no conflicts found' } };
}
