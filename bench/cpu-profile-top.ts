// Summarizes a V8 .cpuprofile (node --cpu-prof): the functions with the most self time and the most
// total (inclusive) time, as a share of the sampled time. Not a benchmark: `node
// dist/bench/cpu-profile-top.js FILE [N]` (scripts/bench.sh skips it: it exits without a file).

import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const file = process.argv[2];
if (!file) {
  console.error('usage: cpu-profile-top FILE.cpuprofile [N]');
  process.exit(0);
}
const top = Number(process.argv[3] ?? 30);
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
// Inclusive time: a function counted once per sample even when recursive.
const walk = (n: Node, onStack: Set<string>): number => {
  let hits = n.hitCount ?? 0;
  const l = label(n);
  self.set(l, (self.get(l) ?? 0) + (n.hitCount ?? 0));
  all += n.hitCount ?? 0;
  const first = !onStack.has(l);
  if (first) onStack.add(l);
  for (const c of n.children ?? []) hits += walk(byId.get(c)!, onStack);
  if (first) {
    onStack.delete(l);
    total.set(l, (total.get(l) ?? 0) + hits);
  }
  return hits;
};
walk(prof.nodes[0], new Set());
const print = (title: string, m: Map<string, number>) => {
  console.log(title);
  for (const [l, h] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${((100 * h) / all).toFixed(1).padStart(5)}%  ${l}`);
};
print('self', self);
print('total', total);
