// One /metrics page for a server and the component processes it supervises: each child sends its
// families (name, help, type, rendered samples) over IPC and the server renders them with its own.
// A family both processes have gets a process="..." label on the child's samples so no series is
// duplicated; a family only a child has keeps its samples as they are, so the page reads the same
// as when every component ran in one process.

export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  samples: string[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{?)/;

/** A sample line with one more label, first among its labels. */
export function withLabel(sample: string, label: string, value: string): string {
  const m = SAMPLE.exec(sample);
  if (!m) return sample;
  const pair = `${label}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (m[2]) {
    const rest = sample.slice(m[0].length);
    return `${m[1]}{${pair}${rest.startsWith('}') ? '' : ','}${rest}`;
  }
  return `${m[1]}{${pair}}${sample.slice(m[1].length)}`;
}

export function mergeFamilies(own: MetricFamily[], children: { process: string; families: MetricFamily[] }[]): MetricFamily[] {
  const out = new Map(own.map((f) => [f.name, { ...f, samples: [...f.samples] }]));
  for (const child of children) {
    for (const f of child.families) {
      const mine = out.get(f.name);
      if (!mine) out.set(f.name, { ...f, samples: [...f.samples] });
      else if (mine.type !== f.type)
        continue; // a conflicting type cannot share a name; the server's wins
      else if (mine.samples.length === 0) mine.samples.push(...f.samples);
      else mine.samples.push(...f.samples.map((s) => withLabel(s, 'process', child.process)));
    }
  }
  return [...out.values()];
}

export function renderFamilies(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples);
  return lines.join('\n') + '\n';
}
