// Authorization benchmarks.
// (a) RBAC decision latency, direct authorizer calls: p99 with 1,000 roles and 10,000 bindings (plus
//     the bootstrap policy), against the same requests with the bootstrap policy alone (baseline):
//     the subject index keeps a decision's cost independent of how many bindings others have.
// (b) API pod creates/s by a non-admin user bound through RBAC, with the audit log at Metadata level
//     for every request (BENCH_AUTHZ_AUDIT=0: without it), against the same load on a server
//     started with --authorization-mode AlwaysAllow and no audit log (baseline), in the same run
//     (the issue's goal: ≥ 0.9). Extra server arguments for both servers come from the command
//     line after `--` or BENCH_AUTHZ_SERVER_ARGS (space-separated).

import https from 'node:https';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../src/api/kind.js';
import type { PolicyRule, Subject } from '../src/api/kinds/rbac/types.js';
import { RbacAuthorizer } from '../src/apiserver/authz/rbac/authorizer.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapRoleBindings, bootstrapRoles } from '../src/apiserver/authz/rbac/bootstrap-policy.js';
import { PolicyIndex } from '../src/apiserver/authz/rbac/policy-index.js';
import type { Attributes } from '../src/apiserver/authz/types.js';
import { issueCert } from '../src/cli/pki.js';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { ms, percentile, report } from './stats.js';

const ROLES = Number(process.env.BENCH_ROLES ?? 1000);
const BINDINGS = Number(process.env.BENCH_BINDINGS ?? 10_000);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 200_000);
const CREATES = Number(process.env.BENCH_CREATES ?? 2000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const G = 'rbac.authorization.k8s.io';

// A deterministic pseudo-random sequence (mulberry32), so both runs of (a) see the same requests.
let seed = 42;
const rand = (n: number) => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
};
const pick = <T>(l: readonly T[]) => l[rand(l.length)];

const NAMESPACES = Array.from({ length: 50 }, (_, i) => `ns-${i}`);
const USERS = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
const GROUPS = Array.from({ length: 500 }, (_, i) => `group-${i}`);
const RESOURCES = ['pods', 'services', 'configmaps', 'secrets', 'deployments', 'jobs', 'leases', 'events'];
const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

const someRules = (): PolicyRule[] => Array.from({ length: 5 }, () => ({ verbs: [pick(VERBS), pick(VERBS)], apiGroups: [pick(['', 'apps', 'batch'])], resources: [pick(RESOURCES), pick(RESOURCES)] }));
const someSubjects = (): Subject[] => Array.from({ length: 1 + rand(3) }, () => (rand(10) === 0 ? { kind: 'Group', apiGroup: G, name: pick(GROUPS) } : rand(6) === 0 ? { kind: 'ServiceAccount', apiGroup: '', name: `sa-${rand(100)}` } : { kind: 'User', apiGroup: G, name: pick(USERS) }));

function bootstrapIndex(): PolicyIndex {
  const idx = new PolicyIndex();
  for (const r of bootstrapClusterRoles) idx.put('ClusterRole', r);
  for (const r of bootstrapRoles) idx.put('Role', r);
  for (const b of bootstrapClusterRoleBindings) idx.put('ClusterRoleBinding', b);
  for (const b of bootstrapRoleBindings) idx.put('RoleBinding', b);
  return idx;
}

function largeIndex(): PolicyIndex {
  const idx = bootstrapIndex();
  const clusterRoles = Math.floor(ROLES / 5);
  for (let i = 0; i < clusterRoles; i++) idx.put('ClusterRole', { metadata: { name: `cr-${i}` }, rules: someRules() } as KObject);
  for (let i = 0; i < ROLES - clusterRoles; i++) idx.put('Role', { metadata: { name: `role-${i}`, namespace: NAMESPACES[i % NAMESPACES.length] }, rules: someRules() } as KObject);
  const clusterBindings = Math.floor(BINDINGS / 10);
  for (let i = 0; i < clusterBindings; i++) idx.put('ClusterRoleBinding', { metadata: { name: `crb-${i}` }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: `cr-${rand(clusterRoles)}` }, subjects: someSubjects() } as KObject);
  for (let i = 0; i < BINDINGS - clusterBindings; i++) {
    const ns = pick(NAMESPACES);
    const toCluster = rand(3) === 0;
    const roleIdx = rand(ROLES - clusterRoles);
    // A Role of this namespace (same i % 50 layout), or a ClusterRole granted in it.
    const roleName = toCluster ? `cr-${rand(clusterRoles)}` : `role-${roleIdx - (roleIdx % NAMESPACES.length) + NAMESPACES.indexOf(ns)}`;
    idx.put('RoleBinding', { metadata: { name: `rb-${i}`, namespace: ns }, roleRef: { apiGroup: G, kind: toCluster ? 'ClusterRole' : 'Role', name: roleName }, subjects: someSubjects() } as KObject);
  }
  return idx;
}

function requests(n: number): Attributes[] {
  seed = 7;
  return Array.from({ length: n }, () => ({
    user: { name: pick(USERS), groups: [pick(GROUPS), pick(GROUPS), 'system:authenticated'] },
    verb: pick(VERBS),
    resourceRequest: true,
    apiGroup: pick(['', 'apps', 'batch']),
    resource: pick(RESOURCES),
    namespace: pick(NAMESPACES),
    name: `obj-${rand(10)}`,
  }));
}

function decide(idx: PolicyIndex, reqs: Attributes[]) {
  const authz = new RbacAuthorizer(idx);
  // Warm up the JIT on the same work.
  for (let i = 0; i < Math.min(20_000, reqs.length); i++) authz.authorize(reqs[i]);
  const lat = new Float64Array(reqs.length);
  let allowed = 0;
  for (let i = 0; i < reqs.length; i++) {
    const t = process.hrtime.bigint();
    const r = authz.authorize(reqs[i]);
    lat[i] = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.decision === 'allow') allowed++;
  }
  const sorted = Array.from(lat).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), allowed };
}

const us = (msValue: number) => `${(msValue * 1000).toFixed(1)}µs`;

function benchDecisions() {
  const reqs = requests(DECISIONS);
  const small = decide(bootstrapIndex(), reqs);
  const large = largeIndex();
  const big = decide(large, reqs);
  const size = large.size;
  report(
    'authz-decision',
    `RBAC decision p99 ${us(big.p99)} (p50 ${us(big.p50)}) with ${size.roles + size.clusterRoles} roles and ${size.roleBindings + size.clusterRoleBindings} bindings, ${DECISIONS} decisions, ${((100 * big.allowed) / DECISIONS).toFixed(0)}% allowed`,
    `p99 ${us(small.p99)} (p50 ${us(small.p50)}) with the bootstrap policy only`,
    big.p99 / small.p99,
  );
}

// ---- (b) creates/s through the API ------------------------------------------------------------

function extraServerArgs(): string[] {
  const dash = process.argv.indexOf('--');
  const argv = dash >= 0 ? process.argv.slice(dash + 1) : process.argv.slice(2);
  const env = (process.env.BENCH_AUTHZ_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean);
  return [...env, ...argv];
}

const pod = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `bench-${i}`, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'registry.local/bench:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

interface Target {
  cluster: Cluster;
  post(body: unknown): Promise<number>;
  close(): Promise<void>;
}

/** A server in `mode` and a client for a user bound to `edit` in default by a RoleBinding (a plain, non-admin user). */
async function target(mode: 'RBAC' | 'AlwaysAllow', extra: string[]): Promise<Target> {
  const c: Cluster = await startCluster({ extraArgs: ['--authorization-mode', mode, ...extra], env: { GIFEE_LOG: 'warn' } });
  const pki = join(c.dataDir, 'pki');
  const ca = { cert: await readFile(join(pki, 'ca.crt'), 'utf8'), key: await readFile(join(pki, 'ca.key'), 'utf8') };
  const user = await issueCert(ca, { commonName: 'bench-user', organizations: ['bench-team'], usage: 'client' });
  const bound = await c.request('POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench-edit' },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' },
    subjects: [{ kind: 'User', apiGroup: G, name: 'bench-user' }],
  });
  if (bound.status !== 201) throw new Error(`binding failed: ${bound.status} ${bound.body}`);
  const agent = new https.Agent({ ca: ca.cert, cert: user.cert, key: user.key, keepAlive: true, maxSockets: CLIENTS });
  const post = (body: unknown) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request(`${c.url}/api/v1/namespaces/default/pods`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  // The binding reaches the authorizer through the watch (and `edit` its rules through the
  // aggregation controller): wait for the first allowed create.
  for (let i = 0; (await post(pod(-1 - i))) !== 201; i++) {
    if (i > 600) throw new Error(`the bench user was never allowed to create pods (${mode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    cluster: c,
    post,
    close: async () => {
      agent.destroy();
      await c.stop();
    },
  };
}

/** Creates pods [from, to) with CLIENTS concurrent clients; returns seconds taken and latencies. */
async function drive(t: Target, from: number, to: number) {
  let next = from;
  const lat: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (;;) {
        const i = next++;
        if (i >= to) return;
        const began = performance.now();
        const status = await t.post(pod(i));
        if (status !== 201) throw new Error(`create failed: ${status}`);
        lat.push(performance.now() - began);
      }
    }),
  );
  return { secs: (performance.now() - start) / 1000, lat };
}

async function benchCreates() {
  const extra = extraServerArgs();
  // Both servers run at once and take turns, batch by batch: load from elsewhere on the machine
  // falls on both alike.
  const baseline = await target('AlwaysAllow', extra);
  const auditDir = await mkdtemp(join(tmpdir(), 'gifee-bench-audit-'));
  const audit = process.env.BENCH_AUTHZ_AUDIT === '0' ? [] : ['--audit-policy-file', join(auditDir, 'policy.yaml'), '--audit-log-path', join(auditDir, 'audit.log')];
  await writeFile(join(auditDir, 'policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n');
  const rbac = await target('RBAC', [...extra, ...audit]).catch(async (e) => {
    await baseline.close();
    throw e;
  });
  const rounds = 8;
  const per = Math.ceil(CREATES / rounds);
  const totals = { baseline: { secs: 0, lat: [] as number[] }, rbac: { secs: 0, lat: [] as number[] } };
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [name, t] of r % 2 === 0
        ? ([
            ['baseline', baseline],
            ['rbac', rbac],
          ] as const)
        : ([
            ['rbac', rbac],
            ['baseline', baseline],
          ] as const)) {
        const d = await drive(t, r * per, (r + 1) * per);
        totals[name].secs += d.secs;
        totals[name].lat.push(...d.lat);
      }
    }
  } finally {
    await rbac.close();
    await baseline.close();
    await rm(auditDir, { recursive: true, force: true });
  }
  const rate = (x: { secs: number; lat: number[] }) => x.lat.length / x.secs;
  const sorted = (l: number[]) => [...l].sort((a, b) => a - b);
  const [rb, bl] = [sorted(totals.rbac.lat), sorted(totals.baseline.lat)];
  report(
    'authz-creates',
    `${rate(totals.rbac).toFixed(0)} pod creates/s by an RBAC-bound user${audit.length ? ', audit log at Metadata' : ''} (${CLIENTS} clients, ${rb.length} pods), p50 ${ms(percentile(rb, 50))} p99 ${ms(percentile(rb, 99))}`,
    `${rate(totals.baseline).toFixed(0)}/s with --authorization-mode AlwaysAllow, no audit log (p50 ${ms(percentile(bl, 50))} p99 ${ms(percentile(bl, 99))})`,
    rate(totals.rbac) / rate(totals.baseline),
    extra.length ? `server args: ${extra.join(' ')}` : '',
  );
}

benchDecisions();
if (process.env.BENCH_AUTHZ_DECISIONS_ONLY !== '1') await benchCreates();
