// The JSONPath subset CRD additionalPrinterColumns and selectableFields use: `.spec.replicas`,
// `.items[0]`, `.list[*].name`, `.m['dotted.key']` and filters like
// `.status.conditions[?(@.type=="Ready")].status` (cert-manager's READY column). Parsed once per
// column; evaluation is bounded by the object's own size.

type Step = { field: string } | { index: number } | { all: true } | { filter: { path: string[]; op: '==' | '!='; value: string | number | boolean } };

const MAX_PATH = 512;

/** Parses a path; a string is the error (for validation messages). */
export function parseJsonPath(path: string): Step[] | string {
  if (path.length > MAX_PATH) return `must be at most ${MAX_PATH} characters`;
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  if (!p.startsWith('.') && !p.startsWith('[')) return 'must be a simple json path starting with .';
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      const m = /^[A-Za-z0-9_$-]+/.exec(p.slice(i + 1));
      if (!m) return `unexpected character at ${i + 1}`;
      steps.push({ field: m[0] });
      i += 1 + m[0].length;
    } else if (p[i] === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return 'unterminated [';
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ all: true });
      else if (/^\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'[^']*'$/.test(inner) || /^"[^"]*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else {
        const f = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?)|(true|false))\)$/.exec(inner);
        if (!f) return `unsupported expression [${inner}]`;
        const value = f[3] ?? f[4] ?? (f[5] !== undefined ? Number(f[5]) : f[6] === 'true');
        steps.push({ filter: { path: f[1].slice(1).split('.'), op: f[2] as '==' | '!=', value } });
      }
    } else return `unexpected character at ${i}`;
  }
  return steps;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every value the path reaches in obj (none when a step does not match). */
export function evaluateJsonPath(steps: Step[], obj: unknown): unknown[] {
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('field' in s) {
        if (isObj(v) && v[s.field] !== undefined) next.push(v[s.field]);
      } else if ('index' in s) {
        if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
      } else if ('all' in s) {
        if (Array.isArray(v)) next.push(...v);
        else if (isObj(v)) next.push(...Object.values(v));
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const f of s.filter.path) x = isObj(x) ? x[f] : undefined;
          if ((x === s.filter.value) === (s.filter.op === '==')) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
