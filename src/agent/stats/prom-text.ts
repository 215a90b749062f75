// The Prometheus text exposition format as Go's client library writes it, so what scrapers and
// tests compare is byte for byte what a kubelet serves: families sorted by name, samples sorted by
// their label values, labels sorted by name, values formatted as strconv.FormatFloat(v, 'g', -1, 64)
// ("1.7391616e+07", "40.384910049"), optional timestamps in milliseconds.

export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** ms since the epoch; omitted when absent. */
  timestamp?: number;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: Sample[];
}

/** strconv.FormatFloat(v, 'g', -1, 64): shortest digits, exponent form when the decimal exponent is < -4 or >= 6. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // Shortest round-trip digits and the decimal exponent, from JavaScript's own shortest form.
  const [mant, expText] = v.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  // -4 <= exp < 6: JavaScript's fixed notation has the same shortest digits.
  return String(v);
}

export const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function labelText(labels: Record<string, string>, names: string[]): string {
  return names.length ? `{${names.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',')}}` : '';
}

/** The families in Go's order; families without samples are left out, as the Go registry does. */
export function renderFamilies(families: Family[]): string {
  const out: string[] = [];
  for (const f of [...families].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    const rows = f.samples.map((s) => {
      const names = Object.keys(s.labels).sort();
      return { key: names.map((n) => s.labels[n]), line: `${f.name}${labelText(s.labels, names)} ${goFloat(s.value)}${s.timestamp !== undefined ? ` ${Math.round(s.timestamp)}` : ''}` };
    });
    rows.sort((a, b) => {
      for (let i = 0; i < Math.min(a.key.length, b.key.length); i++) if (a.key[i] !== b.key[i]) return a.key[i] < b.key[i] ? -1 : 1;
      return a.key.length - b.key.length;
    });
    for (const r of rows) out.push(r.line);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
