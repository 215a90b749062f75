// How a listing command prints: aligned columns for people (the default), or -o json|yaml for
// scripts (every field, stable names). One table renderer for every gifee listing.

import { stringify } from 'yaml';
import { UsageError } from './args.js';

export type OutputFormat = 'table' | 'json' | 'yaml';

/** -o/--output: table (default), json or yaml; anything else is a usage error naming the choices. */
export function outputFormatOf(v: unknown, command: string): OutputFormat {
  if (v === undefined) return 'table';
  if (v === 'table' || v === 'json' || v === 'yaml') return v;
  throw new UsageError(`${command}: -o must be table, json or yaml, not "${String(v)}"`);
}

/** Rows under a header, each column as wide as its widest cell plus 3 spaces (as kubectl's tables). */
export function renderTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return `${all
    .map((r) =>
      header
        .map((_, c) => (c === header.length - 1 ? (r[c] ?? '') : (r[c] ?? '').padEnd(widths[c] + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/**
 * The text of a listing: a table of `columns(item)` under `header`, or the items themselves as a
 * JSON/YAML document `{kind, items}` (a list also when empty, so scripts need no special case).
 */
export function renderListing<T>(format: OutputFormat, kind: string, items: T[], header: string[], columns: (item: T) => string[][]): string {
  if (format === 'json') return `${JSON.stringify({ kind, items }, null, 2)}\n`;
  if (format === 'yaml') return stringify({ kind, items });
  return renderTable(header, items.flatMap(columns));
}
