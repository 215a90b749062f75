// Pod and node details that real manifests and users trip on, with the real kubectl against a real
// `gifee server` and its node agent: scheduling gates (the SchedulingGated condition, removal leading
// to scheduling), AppArmor annotations mirrored into fields (and refused honestly by a node without
// AppArmor), deprecation warnings printed by kubectl, a PersistentVolume with a pod-only source
// refused, the Node's OS image and kernel read from this machine, and `kubectl run -i --rm`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => (await k(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout });
const hostAppArmor = (() => {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
  } catch {
    return false;
  }
})();

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true });
  const { createImageStore } = await import('../../src/agent/images/store.js');
  await createImageStore({ dataDir: c.dataDir }).importFile(images.busybox);
  await until('node Ready with a pod CIDR', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}{.items[0].spec.podCIDR}')).startsWith('True10.'));
});

after(async () => {
  if (c) await c.stop();
});

test('schedulingGates: SchedulingGated until the gates are removed, then scheduled; gates cannot be added', { skip }, async () => {
  // The documentation's example (pods/pod-with-scheduling-gates.yaml), with a local image.
  await k(['apply', '-f', '-'], {
    input: `apiVersion: v1
kind: Pod
metadata:
  name: test-pod
spec:
  terminationGracePeriodSeconds: 0
  schedulingGates:
  - name: example.com/foo
  - name: example.com/bar
  containers:
  - name: pause
    image: gifee.local/busybox:1
    command: [sleep, "3600"]
`,
  });
  assert.match((await k(['get', 'pod', 'test-pod'])).stdout, /test-pod\s+0\/1\s+SchedulingGated\s+0\s/);
  const cond = JSON.parse(await jp('pod test-pod', '{.status.conditions[?(@.type=="PodScheduled")]}'));
  assert.equal(cond.status, 'False');
  assert.equal(cond.reason, 'SchedulingGated');
  assert.equal(cond.message, 'Scheduling is blocked due to non-empty scheduling gates');
  // The scheduler leaves it alone.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(await jp('pod test-pod', '{.spec.nodeName}'), '');

  const added = await k(['patch', 'pod', 'test-pod', '--type=json', '-p', '[{"op":"add","path":"/spec/schedulingGates/-","value":{"name":"example.com/baz"}}]'], { allowFail: true });
  assert.notEqual(added.code, 0);
  assert.match(added.stderr, /spec.schedulingGates: Forbidden: only deletion is allowed, but found new scheduling gate 'example.com\/baz'/);

  await k(['patch', 'pod', 'test-pod', '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates/0"}]']);
  assert.match((await k(['get', 'pod', 'test-pod'])).stdout, /SchedulingGated/);
  await k(['patch', 'pod', 'test-pod', '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates"}]']);
  await until('test-pod Running', async () => (await jp('pod test-pod', '{.status.phase}')) === 'Running');
  assert.equal(await jp('pod test-pod', '{.status.conditions[?(@.type=="PodScheduled")].status}'), 'True');
  assert.notEqual(await jp('pod test-pod', '{.spec.nodeName}'), '');
  await k(['delete', 'pod', 'test-pod', '--wait=true']);
});

test('AppArmor: the annotation is mirrored into the field with a warning; mismatches refused; the node refuses what it cannot enforce', { skip }, async () => {
  const r = await k(['apply', '-f', '-'], {
    input: `apiVersion: v1
kind: Pod
metadata:
  name: hello-apparmor
  annotations:
    container.apparmor.security.beta.kubernetes.io/hello: localhost/k8s-apparmor-example-deny-write
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: hello
    image: gifee.local/busybox:1
    command: [sh, -c, "echo 'Hello AppArmor!' && sleep 1h"]
`,
  });
  assert.match(r.stderr, /Warning: metadata\.annotations\[container\.apparmor\.security\.beta\.kubernetes\.io\/hello\]: deprecated since v1\.30; use the "appArmorProfile" field instead/);
  assert.deepEqual(JSON.parse(await jp('pod hello-apparmor', '{.spec.containers[0].securityContext.appArmorProfile}')), { type: 'Localhost', localhostProfile: 'k8s-apparmor-example-deny-write' });
  if (!hostAppArmor) {
    await until('hello-apparmor rejected', async () => (await jp('pod hello-apparmor', '{.status.phase}')) === 'Failed');
    assert.equal(await jp('pod hello-apparmor', '{.status.reason}'), 'AppArmor');
    assert.equal(await jp('pod hello-apparmor', '{.status.message}'), 'Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host');
  }
  // A field alone gets the annotation for older readers.
  await k(['run', 'aa-field', '--image=gifee.local/busybox:1', '--restart=Never', '--overrides', '{"spec":{"securityContext":{"appArmorProfile":{"type":"RuntimeDefault"}}}}', '--', 'true']);
  assert.equal(await jp('pod aa-field', '{.metadata.annotations.container\\.apparmor\\.security\\.beta\\.kubernetes\\.io/aa-field}'), 'runtime/default');
  const mismatch = await k(['apply', '-f', '-'], {
    allowFail: true,
    input: `apiVersion: v1
kind: Pod
metadata:
  name: aa-mismatch
  annotations:
    container.apparmor.security.beta.kubernetes.io/c: unconfined
spec:
  containers:
  - name: c
    image: gifee.local/busybox:1
    securityContext:
      appArmorProfile: {type: RuntimeDefault}
`,
  });
  assert.notEqual(mismatch.code, 0);
  assert.match(mismatch.stderr, /spec\.containers\[0\]\.securityContext\.appArmorProfile\.type: Forbidden: apparmor type in annotation and field must match/);
  await k(['delete', 'pod', 'hello-apparmor', 'aa-field', '--wait=true']);
});

test('deprecation warnings reach kubectl: seccomp alpha annotations, beta node labels, the beta storage-class annotation', { skip }, async () => {
  const pod = await k(['create', '--dry-run=server', '-f', '-'], {
    input: `apiVersion: v1
kind: Pod
metadata:
  name: old-style
  annotations:
    seccomp.security.alpha.kubernetes.io/pod: runtime/default
spec:
  nodeSelector:
    beta.kubernetes.io/os: linux
  containers:
  - name: c
    image: gifee.local/busybox:1
`,
  });
  assert.match(pod.stderr, /Warning: metadata\.annotations\[seccomp\.security\.alpha\.kubernetes\.io\/pod\]: non-functional in v1\.27\+; use the "seccompProfile" field instead/);
  assert.match(pod.stderr, /Warning: spec\.nodeSelector\[beta\.kubernetes\.io\/os\]: deprecated since v1\.14; use "kubernetes\.io\/os" instead/);
  const deploy = await k(['create', '--dry-run=server', '-f', '-'], {
    input: `apiVersion: apps/v1
kind: Deployment
metadata: {name: old-style}
spec:
  selector: {matchLabels: {app: old}}
  template:
    metadata:
      labels: {app: old}
    spec:
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: beta.kubernetes.io/arch, operator: In, values: [amd64]}]
      containers: [{name: c, image: gifee.local/busybox:1}]
`,
  });
  assert.match(deploy.stderr, /Warning: spec\.template\.spec\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.key: beta\.kubernetes\.io\/arch is deprecated since v1\.14; use "kubernetes\.io\/arch" instead/);
  const pvc = await k(['create', '--dry-run=server', '-f', '-'], {
    input: `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: old-claim
  annotations:
    volume.beta.kubernetes.io/storage-class: slow
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`,
  });
  assert.match(pvc.stderr, /Warning: metadata\.annotations\[volume\.beta\.kubernetes\.io\/storage-class\]: deprecated since v1\.8; use "storageClassName" attribute instead/);
});

test('duplicate env names, ports and pull secrets are accepted with warnings, as 1.32 accepts them', { skip }, async () => {
  const r = await k(['create', '-f', '-'], {
    input: `apiVersion: v1
kind: Pod
metadata: {name: dup-env}
spec:
  terminationGracePeriodSeconds: 0
  imagePullSecrets: [{name: regcred}, {name: regcred}]
  containers:
  - name: c
    image: gifee.local/busybox:1
    command: [sh, -c, 'echo "A=$A"; sleep 3600']
    env: [{name: A, value: first}, {name: A, value: second}]
    ports: [{containerPort: 8080}, {containerPort: 8080}]
`,
  });
  assert.match(r.stderr, /Warning: spec\.containers\[0\]\.env\[1\]: hides previous definition of "A", which may be dropped when using apply/);
  assert.match(r.stderr, /Warning: spec\.containers\[0\]\.ports\[1\]: duplicate port definition with spec\.containers\[0\]\.ports\[0\]/);
  assert.match(r.stderr, /Warning: spec\.imagePullSecrets\[1\]\.name: duplicate name "regcred"/);
  // Later writes (a label, the agent's status) keep working with the duplicates in place; the last definition wins.
  await k(['label', 'pod', 'dup-env', 'x=y']);
  await until('dup-env logs', async () => (await k(['logs', 'dup-env'], { allowFail: true })).stdout.includes('A=second'));
  await k(['delete', 'pod', 'dup-env', '--wait=true']);
});

test('a PersistentVolume with a gitRepo source is refused', { skip }, async () => {
  const pv = `apiVersion: v1
kind: PersistentVolume
metadata: {name: repo-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  gitRepo: {repository: "https://example.com/repo.git"}
`;
  // kubectl validates strictly by default: the unknown field is a 400 ...
  const strict = await k(['apply', '-f', '-'], { input: pv, allowFail: true });
  assert.notEqual(strict.code, 0);
  assert.match(strict.stderr, /unknown field "spec\.gitRepo"/);
  // ... and without validation it is dropped, leaving no volume type: 422.
  const lax = await k(['apply', '--validate=false', '-f', '-'], { input: pv, allowFail: true });
  assert.notEqual(lax.code, 0);
  assert.match(lax.stderr, /PersistentVolume "repo-pv" is invalid: spec: Required value: must specify a volume type/);
});

test("the Node reports this machine's OS image, kernel, runtime and pressure conditions", { skip }, async () => {
  const wide = (await k(['get', 'nodes', '-o', 'wide'])).stdout.split('\n');
  const header = wide[0];
  const row = wide[1];
  const cell = (name: string) => {
    const start = header.indexOf(name);
    const next = header.slice(start + name.length).search(/\S/);
    const end = next < 0 ? undefined : start + name.length + next;
    return row.slice(start, end).trim();
  };
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  assert.equal(cell('OS-IMAGE'), pretty);
  assert.equal(cell('KERNEL-VERSION'), os.release());
  assert.match(cell('CONTAINER-RUNTIME'), /^runc:\/\/\d+\.\d+/);
  const node = JSON.parse((await k(['get', 'nodes', '-o', 'json'])).stdout).items[0];
  const version = JSON.parse((await k(['version', '-o', 'json'])).stdout).serverVersion.gitVersion;
  assert.equal(node.status.nodeInfo.kubeletVersion, version);
  assert.equal(node.status.nodeInfo.kubeProxyVersion, version);
  assert.equal(node.status.nodeInfo.operatingSystem, 'linux');
  for (const t of ['MemoryPressure', 'DiskPressure', 'PIDPressure'])
    assert.ok(
      node.status.conditions.some((x: { type: string; status: string }) => x.type === t && x.status === 'False'),
      t,
    );
});

test('kubectl run -i --rm of a container that exits at once prints its output and deletes the pod', { skip }, async () => {
  // Several times: whether kubectl attaches while the container runs or falls back to its logs, nothing is lost.
  for (const name of ['hello-run-1', 'hello-run-2', 'hello-run-3']) {
    const r = await k(['run', '-i', '--rm', '--restart=Never', name, '--image=gifee.local/busybox:1', '--', 'echo', 'hello']);
    assert.match(r.stdout, /^hello$/m, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`pod "${name}" deleted`));
    await until(`${name} gone`, async () => (await k(['get', 'pod', name], { allowFail: true })).code !== 0);
  }
});
