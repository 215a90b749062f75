// Printer columns the workload kinds share: NAME and AGE (declared where wide columns follow AGE),
// and the wide CONTAINERS / IMAGES / SELECTOR cells computed from a pod template.

import type { KObject, PrinterColumn } from '../../kind.js';
import { labelSelectorToString } from '../../labels.js';
import { age } from '../../table.js';
import { type Obj, isObj, objects, str } from './checks.js';

export const nameColumn: PrinterColumn = { name: 'Name', type: 'string', format: 'name', description: 'Name of the object, unique in its namespace.', cell: (o) => o.metadata?.name ?? '' };
export const ageColumn: PrinterColumn = { name: 'Age', type: 'string', description: 'Time since the object was created.', cell: (o) => age(o.metadata?.creationTimestamp) };

/** Follows a path of object keys; undefined when any step is missing. */
export function at(obj: unknown, ...path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The containers of the pod template found at `path` (e.g. spec.template). */
const templateContainers = (o: KObject, path: string[]): Obj[] => objects(at(o, ...path, 'spec', 'containers'));

/** CONTAINERS, IMAGES (and optionally SELECTOR) wide columns for a template at `path`. */
export function templateColumns(path: string[], selector?: (o: KObject) => string): PrinterColumn[] {
  const cols: PrinterColumn[] = [
    {
      name: 'Containers',
      type: 'string',
      priority: 1,
      description: 'Names of each container in the template.',
      cell: (o) =>
        templateContainers(o, path)
          .map((c) => str(c.name))
          .join(','),
    },
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      description: 'Images referenced by each container in the template.',
      cell: (o) =>
        templateContainers(o, path)
          .map((c) => str(c.image))
          .join(','),
    },
  ];
  if (selector) cols.push({ name: 'Selector', type: 'string', priority: 1, description: 'Label selector of the pods.', cell: selector });
  return cols;
}

/** A LabelSelector as Kubernetes' FormatLabelSelector prints it: "<none>" when it selects nothing. */
export function formatSelector(sel: unknown): string {
  if (!isObj(sel)) return '<none>';
  return labelSelectorToString(sel) || '<none>';
}

export const int = (v: unknown): number => (typeof v === 'number' ? v : 0);
