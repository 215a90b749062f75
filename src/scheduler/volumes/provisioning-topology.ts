// Where dynamic provisioning can put a claim's volume, as the scheduler's VolumeBinding plugin checks
// a candidate node: the class's allowedTopologies and, for drivers that publish it, CSIStorageCapacity
// objects. (Matching claims to existing volumes is shared with the PV controller:
// src/api/storage/volume-match.ts.)

import { selectorFromObject } from '../../api/labels.js';
import { parseQuantity } from '../../api/quantity.js';
import type { TopologySelectorTerm } from '../../api/storage/types.js';
import { asArray } from '../types.js';
import type { CsiStorageCapacity } from './types.js';

function selectorMatches(sel: unknown, labels: Record<string, string>): boolean {
  if (sel === undefined || sel === null) return true;
  try {
    return selectorFromObject(sel as never).matches(labels);
  } catch {
    return false;
  }
}

/** A class's allowedTopologies admit the node: no terms admit all; else some term whose every expression holds. */
export function allowedTopologiesMatch(terms: TopologySelectorTerm[] | undefined | null, labels: Readonly<Record<string, string>>): boolean {
  const list = asArray<TopologySelectorTerm>(terms);
  if (list.length === 0) return true;
  return list.some((t) => {
    const exprs = asArray<{ key: string; values?: string[] }>(t?.matchLabelExpressions);
    return exprs.length > 0 && exprs.every((e) => Object.hasOwn(labels, e?.key) && asArray<string>(e.values).includes(labels[e.key]));
  });
}

/** The capacity can hold a volume of `size` bytes: maximumVolumeSize when published, else capacity. */
export function capacitySufficient(c: CsiStorageCapacity, size: number): boolean {
  const limit = c.maximumVolumeSize ?? c.capacity;
  if (limit === undefined || limit === null) return false;
  try {
    return parseQuantity(limit) >= size;
  } catch {
    return false;
  }
}

/** The capacity's topology segment contains the node (an object without nodeTopology covers no node). */
export function capacityCoversNode(c: CsiStorageCapacity, labels: Record<string, string>): boolean {
  if (!c.nodeTopology) return false;
  return selectorMatches(c.nodeTopology, labels);
}
