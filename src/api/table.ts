// meta.k8s.io/v1 Tables for `kubectl get`: NAME, the kind's printer columns, AGE, one row per object,
// each carrying its object (PartialObjectMetadata by default) so kubectl can add labels and namespaces.

import type { KindDef, KObject, PrinterColumn } from './kind.js';

/** Kubernetes' HumanDuration: 45s, 3m2s, 10m, 5h7m, 3d4h, 12d, 2y30d. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 60 * 2) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 60 * 3) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 24 * 8) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  if (h < 24 * 365 * 8) {
    const dy = Math.floor(h / 24) % 365;
    return dy === 0 ? `${Math.floor(h / 24 / 365)}y` : `${Math.floor(h / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(h / 24 / 365)}y`;
}

export const age = (ts: string | undefined, now = Date.now()) => (ts ? humanDuration(now - Date.parse(ts)) : '<unknown>');

/** Reads `.a.b[0].c` style paths (the subset CRD printer columns use). */
export function jsonPath(obj: unknown, path: string): unknown {
  const segs =
    path
      .replace(/^\{?\.?/, '')
      .replace(/\}$/, '')
      .match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let cur: unknown = obj;
  for (const seg of segs) {
    if (cur === null || cur === undefined) return undefined;
    if (seg.startsWith('[')) cur = Array.isArray(cur) ? cur[Number(seg.slice(1, -1))] : undefined;
    else cur = typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return cur;
}

const nameColumn: PrinterColumn = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', cell: (o) => o.metadata?.name };
const ageColumn: PrinterColumn = { name: 'Age', type: 'string', description: 'Time since the object was created.', cell: (o) => age(o.metadata?.creationTimestamp) };

export function columnsOf(def: KindDef): PrinterColumn[] {
  const cols = def.printerColumns ?? [];
  const has = (n: string) => cols.some((c) => c.name.toLowerCase() === n);
  return [...(has('name') ? [] : [nameColumn]), ...cols, ...(has('age') || def.noAgeColumn ? [] : [ageColumn])];
}

function cellOf(col: PrinterColumn, obj: KObject): unknown {
  if (col.cell) return col.cell(obj) ?? (col.type === 'string' ? '' : null);
  if (col.jsonPath) {
    const v = jsonPath(obj, col.jsonPath);
    if (col.type === 'date' && typeof v === 'string') return age(v);
    if (v === undefined || v === null) return col.type === 'string' ? '' : null;
    return typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return '';
}

export function toTable(def: KindDef, objects: KObject[], opts: { includeObject?: 'None' | 'Metadata' | 'Object'; listMeta?: { resourceVersion?: string; continue?: string; remainingItemCount?: number } } = {}) {
  const cols = columnsOf(def);
  const include = opts.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.listMeta ?? {},
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type === 'date' ? 'string' : c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: cols.map((c) => cellOf(c, o)),
      ...(include === 'None' ? {} : { object: include === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}
