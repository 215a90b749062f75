// Turns a desired Ruleset into one `nft -f` script, applied by the kernel as a single transaction:
// nothing is half-programmed if it fails. Against the state applied last time it only rewrites the
// chains that changed, deletes the ones that went, adds and deletes only the set and map elements
// that changed, and keeps the affinity sets' elements (so sticky clients stay put across syncs).
// Without a previous state (first sync, or after a failure) the table is recreated from scratch.

import type { Ruleset } from './rules.js';

export interface AppliedState {
  chains: Map<string, string[]>;
  sets: Map<string, Set<string>>;
  affinitySets: Set<string>;
}

export function buildTransaction(table: string, want: Ruleset, prev?: AppliedState): { script: string; state: AppliedState } {
  const t = `ip ${table}`;
  const out: string[] = [`add table ${t}`];
  if (!prev) out.push(`delete table ${t}`, `add table ${t}`);
  const had = prev?.chains ?? new Map<string, string[]>();

  const added: [string, string[]][] = [];
  for (const [name, s] of want.sets) {
    const old = prev?.sets.get(name);
    if (!old) {
      out.push(`add ${s.type.includes(':') ? 'map' : 'set'} ${t} ${name} { type ${s.type}; }`);
      added.push([name, s.elements]);
      continue;
    }
    const now = new Set(s.elements);
    // Map elements are deleted by key; a changed verdict is a delete and an add of the same key.
    const gone = [...old].filter((e) => !now.has(e)).map((e) => e.split(' : ')[0]);
    if (gone.length) out.push(`delete element ${t} ${name} { ${gone.join(', ')} }`);
    added.push([name, s.elements.filter((e) => !old.has(e))]);
  }
  // Chains that change or go are emptied first, so nothing still jumps to a chain being deleted.
  for (const [name, rules] of had) {
    const next = want.chains.get(name);
    if (!next || !sameRules(rules, next.rules)) out.push(`flush chain ${t} ${name}`);
  }
  for (const name of had.keys()) if (!want.chains.has(name)) out.push(`delete chain ${t} ${name}`);
  for (const name of prev?.affinitySets ?? []) if (!want.affinitySets.has(name)) out.push(`delete set ${t} ${name}`);

  for (const [name, { timeoutSeconds }] of want.affinitySets) {
    if (!prev?.affinitySets.has(name)) out.push(`add set ${t} ${name} { type ipv4_addr; flags dynamic,timeout; timeout ${timeoutSeconds}s; }`);
  }
  for (const [name, c] of want.chains) {
    if (!had.has(name)) out.push(c.base ? `add chain ${t} ${name} { ${c.base} }` : `add chain ${t} ${name}`);
  }
  for (const [name, c] of want.chains) {
    const old = had.get(name);
    if (old && sameRules(old, c.rules)) continue;
    for (const r of c.rules) out.push(`add rule ${t} ${name} ${r}`);
  }
  for (const [name, elements] of added) if (elements.length) out.push(`add element ${t} ${name} { ${elements.join(', ')} }`);

  const state: AppliedState = {
    chains: new Map([...want.chains].map(([n, c]) => [n, c.rules])),
    sets: new Map([...want.sets].map(([n, s]) => [n, new Set(s.elements)])),
    affinitySets: new Set(want.affinitySets.keys()),
  };
  return { script: out.join('\n') + '\n', state };
}

function sameRules(a: string[], b: string[]) {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
