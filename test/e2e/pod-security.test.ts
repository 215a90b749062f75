// Pod security end to end on a real agent with runc containers: what a pod asks for in its
// securityContext is enforced inside the container (checked from /proc/self/status, id, writes),
// what cannot be enforced is refused with the kubelet's reasons, and a container cannot use a subPath
// to reach host files (CVE-2017-1002101).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { testImages, writeOciLayout } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
const made: string[] = [];
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => c.kubectl(args, o);
const jp = async (what: string, path: string) => (await k(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (what: string, fn: () => Promise<boolean>, ms = 60_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 250, context: async () => (await k(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout });
const apply = (pod: object) => k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', ...pod }) });
const running = (pod: string) => until(`${pod} Running`, async () => (await jp(`pod ${pod}`, '{.status.phase}')) === 'Running');
const waiting = async (pod: string, reason: string) => {
  await until(`${pod} waiting ${reason}`, async () => (await jp(`pod ${pod}`, '{.status.containerStatuses[0].state.waiting.reason}')) === reason);
  return jp(`pod ${pod}`, '{.status.containerStatuses[0].state.waiting.message}');
};
const sh = (name: string, script: string, extra: Record<string, unknown> = {}, podExtra: Record<string, unknown> = {}) => apply({ metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sh', '-c', script], ...extra }], ...podExtra } });
const exec = async (pod: string, script: string) => (await k(['exec', pod, '--', 'sh', '-c', script], { allowFail: true })).stdout;

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ agent: true, env: { GIFEE_RESTART_BACKOFF_MS: '500' } });
  // Pods here use host namespaces, hostPath, privileged and unsafe settings on purpose: the default
  // namespace opts out of Pod Security Admission's baseline enforcement (gifee's default).
  await c.kubectl(['label', 'ns', 'default', 'pod-security.kubernetes.io/enforce=privileged', 'pod-security.kubernetes.io/warn=privileged']);
  const { createImageStore } = await import('../../src/agent/images/store.js');
  const store = createImageStore({ dataDir: c.dataDir });
  await store.importFile(images.busybox);
  // Images whose USER is a name (nobody) and a number (1000): runAsNonRoot must tell them apart.
  for (const [ref, user] of [
    ['gifee.local/user-name:1', 'nobody'],
    ['gifee.local/user-1000:1', '1000'],
  ]) {
    const root = mkdtempSync(join(tmpdir(), 'gifee-img-'));
    made.push(root);
    mkdirSync(join(root, 'rootfs', 'bin'), { recursive: true });
    mkdirSync(join(root, 'rootfs', 'etc'));
    mkdirSync(join(root, 'rootfs', 'tmp'));
    chmodSync(join(root, 'rootfs', 'tmp'), 0o1777);
    copyFileSync('/bin/busybox', join(root, 'rootfs', 'bin', 'busybox'));
    chmodSync(join(root, 'rootfs', 'bin', 'busybox'), 0o755);
    symlinkSync('busybox', join(root, 'rootfs', 'bin', 'sh'));
    writeFileSync(join(root, 'rootfs', 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    writeFileSync(join(root, 'rootfs', 'etc', 'group'), 'root:x:0:\nstaff:x:50:nobody\nnogroup:x:65534:\n');
    const layout = await writeOciLayout(join(root, 'layout'), ref, [join(root, 'rootfs')], { Cmd: ['sh', '-c', 'id; sleep 3600'], User: user } as never);
    await store.importFile(layout);
  }
  await until('node Ready with a pod CIDR', async () => (await jp('nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}{.items[0].spec.podCIDR}')).startsWith('True10.'));
});

after(async () => {
  if (c) await c.stop();
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

test('subPath: a container that swaps its subPath for a symlink to a host path does not get the host path after a restart', { skip }, async () => {
  const host = mkdtempSync(join(tmpdir(), 'gifee-host-secret-'));
  made.push(host);
  writeFileSync(join(host, 'host-secret'), 'HOST FILE');
  // First run: replace the subPath directory with a symlink (absolute, then relative climbing out) and crash.
  const attack = (link: string) => `if [ -e /sub/host-secret ]; then echo ESCAPED; cat /sub/host-secret; sleep 3600; fi; if [ ! -L /vol/sub ]; then rm -rf /vol/sub && ln -s ${link} /vol/sub && echo swapped; exit 1; fi; echo safe; sleep 3600`;
  const mounts = {
    volumeMounts: [
      { name: 'v', mountPath: '/vol' },
      { name: 'v', mountPath: '/sub', subPath: 'sub' },
    ],
  };
  const vols = { volumes: [{ name: 'v', emptyDir: {} }] };
  await sh('escape-abs', attack(host), mounts, vols);
  await sh('escape-rel', attack(`../../../../../../../../../../..${host}`), mounts, vols);
  for (const pod of ['escape-abs', 'escape-rel']) {
    const msg = await waiting(pod, 'CreateContainerConfigError');
    assert.match(msg, /subPath "sub".*outside the volume/, msg);
    const logs = (await k(['logs', pod, '--previous'], { allowFail: true })).stdout + (await k(['logs', pod], { allowFail: true })).stdout;
    assert.ok(!logs.includes('ESCAPED'), logs);
    assert.match(logs, /swapped/);
  }
  const events = (await k(['describe', 'pod', 'escape-abs'])).stdout;
  assert.match(events, /failed to prepare subPath for volumeMount "v"/);
  await k(['delete', 'pod', 'escape-abs', 'escape-rel', '--wait=true']);
});

test('subPath: symlinks that stay inside the volume, files, and subPathExpr from the environment work', { skip }, async () => {
  await apply({
    metadata: { name: 'subpaths' },
    spec: {
      terminationGracePeriodSeconds: 0,
      volumes: [
        { name: 'v', emptyDir: {} },
        { name: 'cm', configMap: { name: 'subpath-cm' } },
      ],
      initContainers: [{ name: 'prep', image: 'gifee.local/busybox:1', command: ['sh', '-c', 'mkdir -p /vol/real && echo inside > /vol/real/f && ln -s real /vol/link && ln -s ../real /vol/real/self'], volumeMounts: [{ name: 'v', mountPath: '/vol' }] }],
      containers: [
        {
          name: 'c',
          image: 'gifee.local/busybox:1',
          command: ['sh', '-c', 'echo mine > /expr/own; sleep 3600'],
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          volumeMounts: [
            { name: 'v', mountPath: '/all' },
            { name: 'v', mountPath: '/link', subPath: 'link' },
            { name: 'v', mountPath: '/self', subPath: 'real/self' },
            { name: 'v', mountPath: '/expr', subPathExpr: 'pods/$(POD_NAME)' },
            { name: 'cm', mountPath: '/etc/key.conf', subPath: 'key' },
          ],
        },
      ],
    },
  });
  await k(['create', 'configmap', 'subpath-cm', '--from-literal=key=value-of-key']);
  await running('subpaths');
  assert.equal(await exec('subpaths', 'cat /link/f /self/f /etc/key.conf; echo; cat /all/pods/subpaths/own'), 'inside\ninside\nvalue-of-key\nmine\n');
  await k(['delete', 'pod', 'subpaths', '--wait=true']);
  await k(['delete', 'configmap', 'subpath-cm']);
});

const status = (pod: string) => exec(pod, 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status');
const field = (text: string, name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(text)?.[1];
const hostNs = (ns: string) => execFileSync('readlink', [`/proc/self/ns/${ns}`], { encoding: 'utf8' }).trim();

test('runAsNonRoot refuses a root or named image user with CreateContainerConfigError; a numeric non-root user runs', { skip }, async () => {
  const nonRoot = { securityContext: { runAsNonRoot: true } };
  await sh('nonroot-root', 'id; sleep 3600', nonRoot);
  await apply({ metadata: { name: 'nonroot-named' }, spec: { containers: [{ name: 'c', image: 'gifee.local/user-name:1', ...nonRoot }] } });
  await apply({ metadata: { name: 'nonroot-1000' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'gifee.local/user-1000:1', ...nonRoot }] } });
  await sh('nonroot-explicit0', 'id; sleep 3600', { securityContext: { runAsUser: 0 } }, { securityContext: { runAsNonRoot: true } });
  assert.match(await waiting('nonroot-root', 'CreateContainerConfigError'), /^container has runAsNonRoot and image will run as root \(pod: "nonroot-root_default\(.*\)", container: c\)$/);
  assert.match(await waiting('nonroot-named', 'CreateContainerConfigError'), /^container has runAsNonRoot and image has non-numeric user \(nobody\), cannot verify user is non-root/);
  assert.match(await waiting('nonroot-explicit0', 'CreateContainerConfigError'), /^container's runAsUser breaks non-root policy/);
  await running('nonroot-1000');
  assert.equal((await exec('nonroot-1000', 'id -u')).trim(), '1000');
  assert.match((await k(['describe', 'pod', 'nonroot-root'])).stdout, /Error: container has runAsNonRoot and image will run as root/);
  await k(['delete', 'pod', 'nonroot-root', 'nonroot-named', 'nonroot-1000', 'nonroot-explicit0', '--wait=true']);
});

test('runAsUser, runAsGroup, supplementalGroups and fsGroup: the process ids and volume ownership; secrets on tmpfs', { skip }, async () => {
  await k(['create', 'secret', 'generic', 'ids-secret', '--from-literal=token=s3cr3t']);
  await sh(
    'ids',
    'sleep 3600',
    {
      volumeMounts: [
        { name: 'scratch', mountPath: '/scratch' },
        { name: 'scratch', mountPath: '/made', subPath: 'made/here' },
        { name: 'sec', mountPath: '/sec' },
      ],
    },
    {
      securityContext: { runAsUser: 1234, runAsGroup: 2345, supplementalGroups: [3456], fsGroup: 4567 },
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'sec', secret: { secretName: 'ids-secret', defaultMode: 0o440 } },
      ],
    },
  );
  await running('ids');
  assert.equal((await exec('ids', 'id -u; id -g; id -G')).trim(), '1234\n2345\n2345 3456 4567');
  assert.equal((await exec('ids', 'echo hi > /scratch/f && stat -c "%u %g" /scratch/f')).trim(), '1234 4567');
  // A subPath the agent created has the volume's mode and group: the non-root user can write there.
  assert.equal((await exec('ids', 'echo hi > /made/f && stat -c "%a %g" /scratch/made/here')).trim(), '2777 4567');
  // 0440 and group fsGroup: readable by this non-root user only through fsGroup.
  assert.equal((await exec('ids', 'cat /sec/token; echo; stat -L -c "%g %a" /sec/token')).trim(), 's3cr3t\n4567 440');
  assert.equal((await exec('ids', 'touch /not-mine 2>&1 || echo denied')).trim().split('\n').pop(), 'denied');
  // The secret's files are on a tmpfs, not the node's disk.
  const uid = await jp('pod ids', '{.metadata.uid}');
  const mounts = execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`/pods/${uid}/volumes/`));
  assert.ok(
    mounts.some((l) => /\/secret\/sec .* - tmpfs /.test(l)),
    mounts.join('\n'),
  );
  await k(['delete', 'pod', 'ids', '--wait=true']);
  await k(['delete', 'secret', 'ids-secret']);
});

test('readOnlyRootFilesystem, allowPrivilegeEscalation, capabilities add/drop, cgroup namespace', { skip }, async () => {
  await sh('ro', 'sleep 3600', { securityContext: { readOnlyRootFilesystem: true } });
  await sh('nnp', 'sleep 3600', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } });
  await sh('plain', 'sleep 3600');
  await sh('badcap', 'sleep 3600', { securityContext: { capabilities: { add: ['NO_SUCH_CAP'] } } });
  for (const p of ['ro', 'nnp', 'plain']) await running(p);
  assert.match(await exec('ro', 'touch /x 2>&1; echo rc=$?'), /Read-only file system[\s\S]*rc=1/);
  const nnp = await status('nnp');
  assert.equal(field(nnp, 'NoNewPrivs'), '1');
  assert.equal(field(nnp, 'CapEff'), '0000000000000400');
  const plain = await status('plain');
  assert.equal(field(plain, 'NoNewPrivs'), '0');
  assert.equal(field(plain, 'CapEff'), '00000000a80425fb'); // containerd's default set
  assert.match(await waiting('badcap', 'CreateContainerError'), /unknown capability "CAP_NO_SUCH_CAP"/);
  // Its own cgroup namespace: the container is at the root of what it sees.
  assert.notEqual((await exec('plain', 'readlink /proc/self/ns/cgroup')).trim(), hostNs('cgroup'));
  assert.match(await exec('plain', 'cat /proc/self/cgroup'), /^\d+:memory:\/$/m);
  // containerd's masked and read-only paths.
  const mountinfo = await exec('plain', 'cat /proc/self/mountinfo');
  for (const p of ['/proc/keys', '/proc/interrupts', '/proc/timer_list']) assert.ok(mountinfo.includes(` ${p} `), `${p} masked`);
  assert.equal(await exec('plain', 'cat /proc/interrupts /proc/keys'), '');
  assert.match(await exec('plain', 'echo 1 > /proc/sys/kernel/panic 2>&1; echo rc=$?'), /rc=1/);
  await k(['delete', 'pod', 'ro', 'nnp', 'plain', 'badcap', '--wait=true']);
});

test('seccomp: RuntimeDefault (pod default and container), Localhost from the node seccomp directory, Unconfined; bad profiles refused', { skip }, async () => {
  // The agent's seccomp directory: DATA/agent/seccomp for the embedded agent.
  mkdirSync(join(c.dataDir, 'agent', 'seccomp', 'profiles'), { recursive: true });
  writeFileSync(join(c.dataDir, 'agent', 'seccomp', 'profiles', 'no-mkdir.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
  const pod = { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } };
  await sh('sc-default', 'sleep 3600', {}, pod);
  await sh('sc-unconfined', 'sleep 3600', { securityContext: { seccompProfile: { type: 'Unconfined' } } }, pod);
  await sh('sc-local', 'sleep 3600', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/no-mkdir.json' } } });
  await sh('sc-missing', 'sleep 3600', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/none.json' } } });
  // A path out of the directory is refused by the API; a symlink out of it by the agent.
  const dots = await k(['apply', '-f', '-'], {
    allowFail: true,
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sc-dots' }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: '../../../etc/passwd' } } }] } }),
  });
  assert.match(dots.stderr, /localhostProfile: Invalid value: "..\/..\/..\/etc\/passwd": must not contain '..'/);
  symlinkSync('/etc/passwd', join(c.dataDir, 'agent', 'seccomp', 'profiles', 'link.json'));
  await sh('sc-escape', 'sleep 3600', { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/link.json' } } });
  for (const p of ['sc-default', 'sc-unconfined', 'sc-local']) await running(p);
  assert.equal(field(await status('sc-default'), 'Seccomp'), '2');
  // A user namespace needs no capability, only the filter stops it: refused under RuntimeDefault, allowed unconfined.
  assert.match(await exec('sc-default', 'unshare -U true 2>&1; echo rc=$?'), /rc=1/);
  assert.equal(field(await status('sc-unconfined'), 'Seccomp'), '0');
  assert.equal((await exec('sc-unconfined', 'unshare -U true 2>&1; echo rc=$?')).trim(), 'rc=0');
  assert.equal(field(await status('sc-local'), 'Seccomp'), '2');
  assert.match(await exec('sc-local', 'mkdir /tmp/d 2>&1; echo rc=$?'), /rc=1/);
  assert.match(await waiting('sc-missing', 'CreateContainerError'), /failed to load seccomp profile "profiles\/none.json"/);
  assert.match(await waiting('sc-escape', 'CreateContainerError'), /failed to load seccomp profile "profiles\/link.json" from the node's seccomp directory: ELOOP/);
  await k(['delete', 'pod', 'sc-default', 'sc-unconfined', 'sc-local', 'sc-missing', 'sc-escape', '--wait=true']);
});

test('sysctls: safe ones are set in the pod, unsafe ones fail the pod with SysctlForbidden', { skip }, async () => {
  await sh(
    'sysctl-safe',
    'sleep 3600',
    {},
    {
      securityContext: {
        sysctls: [
          { name: 'net.ipv4.ip_unprivileged_port_start', value: '80' },
          { name: 'kernel.shm_rmid_forced', value: '1' },
        ],
      },
    },
  );
  await sh('sysctl-unsafe', 'sleep 3600', {}, { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '65536' }] } });
  // A net.* sysctl with the host's network would change the node: the API refuses it (the agent too, see the unit tests).
  const hostnet = await k(['apply', '-f', '-'], {
    allowFail: true,
    input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sysctl-hostnet' }, spec: { hostNetwork: true, securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }] }, containers: [{ name: 'c', image: 'gifee.local/busybox:1' }] } }),
  });
  assert.notEqual(hostnet.code, 0);
  assert.match(hostnet.stderr, /spec.securityContext.sysctls\[0\].name: Invalid value: "net.ipv4.tcp_syncookies": may not be specified when 'hostNetwork' is true/);
  await running('sysctl-safe');
  assert.equal(await exec('sysctl-safe', 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shm_rmid_forced'), '80\n1\n');
  for (const [p, msg] of [['sysctl-unsafe', 'forbidden sysctl: "kernel.msgmax" not allowlisted']]) {
    await until(`${p} Failed`, async () => (await jp(`pod ${p}`, '{.status.phase}')) === 'Failed');
    assert.equal(await jp(`pod ${p}`, '{.status.reason}'), 'SysctlForbidden');
    assert.equal(await jp(`pod ${p}`, '{.status.message}'), `Pod was rejected: ${msg}`);
  }
  assert.match((await k(['describe', 'pod', 'sysctl-unsafe'])).stdout, /SysctlForbidden/);
  await k(['delete', 'pod', 'sysctl-safe', 'sysctl-unsafe', '--wait=true']);
});

test("hostPID, hostIPC and privileged: host namespaces, the host's capabilities and devices", { skip }, async () => {
  await sh('hostns', 'sleep 3600', {}, { hostPID: true, hostIPC: true, hostNetwork: true });
  await sh('priv', 'sleep 3600', { securityContext: { privileged: true } });
  await running('hostns');
  assert.equal((await exec('hostns', 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; readlink /proc/self/ns/net')).trim(), `${hostNs('pid')}\n${hostNs('ipc')}\n${hostNs('net')}`);
  // Without them: the container's own PID namespace, the pod's IPC and network namespaces.
  await sh('ownns', 'sleep 3600');
  await running('ownns');
  const own = (await exec('ownns', 'readlink /proc/self/ns/pid; readlink /proc/self/ns/ipc; readlink /proc/self/ns/net')).trim().split('\n');
  assert.deepEqual(
    own.map((ns, i) => ns === hostNs(['pid', 'ipc', 'net'][i])),
    [false, false, false],
  );
  await running('priv');
  const bnd = /^CapBnd:\s*(\S+)/m.exec(execFileSync('cat', ['/proc/self/status'], { encoding: 'utf8' }))![1];
  assert.equal(field(await status('priv'), 'CapEff'), bnd);
  assert.match(await exec('priv', 'ls /dev'), /\bkmsg\b/);
  assert.doesNotMatch(await exec('priv', 'cat /proc/self/mountinfo'), / \/proc\/keys /);
  // hostUsers: false: pod-user-namespaces.test.ts.
  await k(['delete', 'pod', 'hostns', 'ownns', 'priv', '--wait=true']);
});

test('supplementalGroupsPolicy: Merge (default) adds the groups the image gives the user, Strict does not', { skip }, async () => {
  const spec = (policy?: string) => ({ terminationGracePeriodSeconds: 0, ...(policy ? { securityContext: { supplementalGroupsPolicy: policy } } : {}), containers: [{ name: 'c', image: 'gifee.local/user-name:1' }] });
  await apply({ metadata: { name: 'groups-merge' }, spec: spec() });
  await apply({ metadata: { name: 'groups-strict' }, spec: spec('Strict') });
  await running('groups-merge');
  await running('groups-strict');
  assert.equal((await exec('groups-merge', 'id -u; id -G')).trim(), '65534\n65534 50');
  assert.equal((await exec('groups-strict', 'id -G')).trim(), '65534');
  await k(['delete', 'pod', 'groups-merge', 'groups-strict', '--wait=true']);
});
