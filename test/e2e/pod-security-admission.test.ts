// Pod Security Admission as a cluster user meets it with kubectl on a real agent: namespaces labelled
// pod-security.kubernetes.io/enforce refuse violating pods with Kubernetes' message, the warn level
// (restricted by default) shows warnings for pods and workloads, a stricter enforce label warns about
// the pods already there, bad labels are refused, a restricted-compliant pod runs, and the defaults
// and exemptions come from --pod-security-admission-config-file.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages, importImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
let dir: string;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const apply = (obj: object, ns: string, extra: string[] = []) => k(['apply', '-n', ns, ...extra, '-f', '-'], { input: JSON.stringify(obj), allowFail: true });
const pod = (name: string, spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 0, ...spec } });
const restrictedContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } };

before(async () => {
  if (skip) return;
  const images = await testImages();
  dir = mkdtempSync(join(tmpdir(), 'gifee-psa-e2e-'));
  // The cluster's own defaults (baseline enforced, restricted warned) plus one more exempt namespace.
  const config = join(dir, 'psa.yaml');
  writeFileSync(
    config,
    'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    apiVersion: pod-security.admission.config.k8s.io/v1\n    kind: PodSecurityConfiguration\n    defaults: {enforce: baseline, enforce-version: latest, warn: restricted, warn-version: latest}\n    exemptions: {namespaces: [kube-system, exempt]}\n',
  );
  c = await startCluster({ agent: true, extraArgs: ['--pod-security-admission-config-file', config] });
  await importImages(c.dataDir, [images.busybox]);
  for (const ns of ['psa', 'legacy', 'exempt']) await k(['create', 'namespace', ns]);
});

after(async () => {
  if (c) await c.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('kubectl label ns psa enforce=restricted: a violating pod is refused with Kubernetes’ message', { skip }, async () => {
  const labelled = await k(['label', 'ns', 'psa', 'pod-security.kubernetes.io/enforce=restricted']);
  assert.match(labelled.stdout, /namespace\/psa labeled/);
  const r = await k(['run', 'bad', '-n', 'psa', '--image=gifee.local/busybox:1', '--', 'sleep', '3600'], { allowFail: true });
  assert.notEqual(r.code, 0);
  assert.equal(
    r.stderr.trim(),
    'Error from server (Forbidden): pods "bad" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "bad" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "bad" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "bad" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "bad" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
  // A pinned version is named in the message.
  await k(['label', 'ns', 'psa', 'pod-security.kubernetes.io/enforce-version=v1.29']);
  const pinned = await apply(pod('bad2', { containers: [{ name: 'c', image: 'gifee.local/busybox:1', securityContext: { ...restrictedContext, runAsUser: 0 } }] }), 'psa');
  assert.match(pinned.stderr, /pods "bad2" is forbidden: violates PodSecurity "restricted:v1\.29": runAsUser=0 \(container "c" must not set runAsUser=0\)/);
  await k(['label', 'ns', 'psa', 'pod-security.kubernetes.io/enforce-version-']);
});

test('a pod that meets restricted runs on the agent, as user 1000', { skip }, async () => {
  const r = await apply(pod('ok', { containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'], securityContext: restrictedContext }] }), 'psa');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no warning: it meets restricted');
  await waitUntil('ok Running', async () => (await k(['get', 'pod', 'ok', '-n', 'psa', '-o', 'jsonpath={.status.phase}'], { allowFail: true })).stdout === 'Running', { timeoutMs: 60_000, intervalMs: 250 });
  assert.equal((await k(['exec', '-n', 'psa', 'ok', '--', 'id', '-u'])).stdout.trim(), '1000');
});

test('default policy: baseline enforced (hostNetwork refused), restricted warned for pods and Deployments; exempt namespaces pass', { skip }, async () => {
  const hostNet = await apply(pod('hostnet', { hostNetwork: true, containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] }), 'default');
  assert.notEqual(hostNet.code, 0);
  assert.match(hostNet.stderr, /pods "hostnet" is forbidden: violates PodSecurity "baseline:latest": host namespaces \(hostNetwork=true\)/);
  const exempt = await apply(pod('hostnet', { hostNetwork: true, containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] }), 'exempt', ['--dry-run=server']);
  assert.equal(exempt.code, 0, exempt.stderr);
  assert.equal(exempt.stderr, '');

  const dep = await k(['create', 'deployment', 'web', '--image=gifee.local/busybox:1', '--replicas=0', '--', 'sleep', '3600']);
  assert.match(dep.stdout, /deployment\.apps\/web created/);
  assert.match(dep.stderr, /^Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "busybox" must set securityContext.allowPrivilegeEscalation=false\), unrestricted capabilities/m);
  // A Deployment whose template breaks baseline is stored (its pods are what enforce refuses), with the warning.
  const bad = await apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hostnet' }, spec: { replicas: 0, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { hostPID: true, containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } } } }, 'default');
  assert.equal(bad.code, 0, bad.stderr);
  assert.match(bad.stderr, /Warning: would violate PodSecurity "restricted:latest": host namespaces \(hostPID=true\), allowPrivilegeEscalation != false/);
});

test('a stricter enforce label warns about existing pods; invalid labels are refused', { skip }, async () => {
  await k(['label', 'ns', 'legacy', 'pod-security.kubernetes.io/enforce=privileged']);
  // Pending for good (no node matches): the pods exist without running anything.
  for (const name of ['p1', 'p2']) assert.equal((await apply(pod(name, { hostPID: true, nodeSelector: { 'no-such-label': 'x' }, containers: [{ name: 'c', image: 'gifee.local/busybox:1', securityContext: { privileged: true } }] }), 'legacy')).code, 0);
  const r = await k(['label', 'ns', 'legacy', 'pod-security.kubernetes.io/enforce=baseline', '--overwrite']);
  assert.match(r.stdout, /namespace\/legacy labeled/);
  assert.match(r.stderr, /Warning: existing pods in namespace "legacy" violate the new PodSecurity enforce level "baseline:latest"/);
  assert.match(r.stderr, /Warning: p1 \(and 1 other pod\): host namespaces, privileged/);
  const bad = await k(['label', 'ns', 'legacy', 'pod-security.kubernetes.io/enforce=strict', '--overwrite'], { allowFail: true });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /The Namespace "legacy" is invalid: metadata\.labels\[pod-security\.kubernetes\.io\/enforce\]: Invalid value: "strict": must be one of privileged, baseline, restricted/);
  await k(['delete', 'pod', '-n', 'legacy', 'p1', 'p2', '--wait=false']);
});
