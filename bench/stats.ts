// Small helpers shared by the benchmarks: percentiles and a uniform result line.

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)}ms`;

/** One line per figure, `bench <name>: <figure> (baseline <baseline>, ratio <r>)`, easy to grep into the README. */
export function report(name: string, figure: string, baseline: string, ratio: number, extra = '') {
  console.log(`bench ${name}: ${figure} | baseline ${baseline} | ratio ${ratio.toFixed(2)}${extra ? ' | ' + extra : ''}`);
}
