#!/usr/bin/env node
// The layering of docs/architecture.md, enforced: which folders of src/ may import which. Run by
// the test command; prints each forbidden import with its file and line, and exits 1 if any. Unit
// tests (*.test.ts) are not checked: they may borrow from anywhere (test certificates from cli/pki).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

// For each top-level folder of src/: the folders it may import besides itself. util/ is the leaf
// everything may use; api/ is the vocabulary every component shares.
const allowed = {
  util: [],
  api: ['util'],
  store: ['api', 'util'],
  client: ['api', 'util'],
  apiserver: ['api', 'store', 'util'],
  scheduler: ['api', 'client', 'util'],
  controllers: ['api', 'client', 'util'],
  dns: ['api', 'client', 'util'],
  proxy: ['api', 'client', 'util'],
  // The node agent runs cluster DNS and the service proxy on its node (as kube-proxy runs beside
  // the kubelet).
  // It runs the CSI plugin watcher and drivers (csi) and the node-side storage sidecars (storage).
  agent: ['api', 'client', 'util', 'dns', 'proxy', 'csi', 'storage'],
  // The CSI contract and transport, and gifee's own driver: a leaf beside util.
  csi: ['api', 'util'],
  // Node-side CSI sidecars (provisioner, resizer, snapshotter): controllers built on the controller
  // runtime that talk to drivers.
  storage: ['api', 'client', 'util', 'csi', 'controllers'],
  // Simulated nodes serve their kubelet endpoint with the node agent's own stream server (its
  // protocols, authentication and authorization), and nothing else of the agent: see below.
  sim: ['api', 'client', 'util', 'agent'],
  cli: ['*'],
};

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.endsWith('.test.ts')) yield p;
  }
}

/** src/agent/stats modules that only render figures handed to them (the simulated nodes use them). */
const SIM_STATS_VIEWS = new Set(['cadvisor-metrics.js', 'summary.js', 'prom-text.js', 'types.js']);

const importRe = /^\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gm;
const problems = [];
for (const file of files(src)) {
  const rel = relative(src, file).split('/');
  const top = rel[0];
  const rules = allowed[top];
  if (!rules) {
    problems.push(`${relative(root, file)}: src/${top} is not in scripts/check-imports.mjs: say what it may import`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    const target = relative(src, resolve(dirname(file), spec)).split('/');
    if (target[0] === '..') continue; // outside src (never from src, but not this check's business)
    const line = text.slice(0, m.index).split('\n').length;
    const where = `${relative(root, file)}:${line}`;
    if (target[0] !== top && !rules.includes('*') && !rules.includes(target[0])) {
      problems.push(`${where}: src/${top} may not import src/${target.slice(0, 2).join('/')} (${spec})`);
    }
    // The simulated nodes reuse the agent's stream server and its statistics renderers (pure views
    // of a Collection), never what runs pods or reads the machine; types alone are harmless.
    const simMayUse = target[1] === 'streams' || (target[1] === 'stats' && SIM_STATS_VIEWS.has(target.slice(2).join('/'))) || /^\s*(?:import|export)\s+type\b/.test(m[0]);
    if (top === 'sim' && target[0] === 'agent' && !simMayUse) {
      problems.push(`${where}: src/sim may import only the agent's stream server (src/agent/streams) and its stats renderers, not src/agent/${target.slice(1).join('/')} (${spec})`);
    }
    // Controllers meet at the API: one controller does not reach into another's folder; shared
    // helpers live in controllers/util and the runtime in controllers/*.ts.
    if (top === 'controllers' && target[0] === 'controllers' && rel.length > 2 && target.length > 2 && target[1] !== rel[1] && target[1] !== 'util') {
      problems.push(`${where}: controllers/${rel[1]} may not import controllers/${target[1]} (${spec}); move what both need to controllers/util`);
    }
  }
}
if (problems.length) {
  console.error(`check-imports: ${problems.length} import(s) break the layering (docs/architecture.md):\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.error('check-imports: layering ok');
