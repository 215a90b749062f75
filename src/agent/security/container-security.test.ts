// The securityContext -> OCI spec path as table tests: what containerSecurity decides from a pod
// and a (fake) host, and what buildSpec writes for it; plus the refusals and their messages.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod } from '../pods/types.js';
import { buildSpec } from '../runtime/oci-spec.js';
import type { ContainerConfig } from '../runtime/types.js';
import { capsFromMask, containerCapabilities, DEFAULT_CAPS } from './capabilities.js';
import { checkRunAsNonRoot, containerSecurity, MASKED_PATHS, READONLY_PATHS, type HostSecurity } from './container-security.js';
import { unenforceableByProcessRuntime } from './process-refusal.js';
import { defaultProfile, loadLocalhostProfile } from './seccomp.js';
import { forbiddenSysctl } from './sysctls.js';
import { testContainerConfig } from '../runtime/test-config.js';

// A host like this test machine: everything but CAP_SYS_RESOURCE in the bounding set.
const HOST_CAPS = capsFromMask('000001fffeffffff');
const seccompRoot = mkdtempSync(join(tmpdir(), 'gifee-seccomp-'));
mkdirSync(join(seccompRoot, 'p'));
writeFileSync(join(seccompRoot, 'p', 'ok.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] }], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }));
writeFileSync(join(seccompRoot, 'p', 'bad-action.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_MAYBE' }));
writeFileSync(join(seccompRoot, 'outside.json'), JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW' }));
symlinkSync('../outside.json', join(seccompRoot, 'p', 'link.json'));
const host: HostSecurity = { capabilities: HOST_CAPS, devices: () => [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 }], seccompRoot, appArmor: false, seLinux: false, maskedPaths: ['/sys/devices/system/cpu/cpu0/thermal_throttle'] };

const pod = (spec: Partial<Pod['spec']> = {}, sc: Container['securityContext'] = {}): { pod: Pod; c: Container } => {
  const c: Container = { name: 'c', image: 'busybox', securityContext: sc };
  return { pod: { metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { containers: [c], ...spec } }, c };
};

const cfg = (security: ContainerConfig['security'], extra: Partial<ContainerConfig> = {}): ContainerConfig => testContainerConfig({ podUid: 'u1', security, ...extra });
const sandbox = { podUid: 'u1', dir: '/pod', netnsPath: '/run/netns/p', utsPath: '/pod/ns/uts', ipcPath: '/pod/ns/ipc' };

describe('capabilities', () => {
  const cases: { name: string; privileged?: boolean; add?: string[]; drop?: string[]; want?: string[]; error?: RegExp }[] = [
    { name: 'default set', want: DEFAULT_CAPS },
    { name: 'drop ALL', drop: ['ALL'], want: [] },
    { name: 'drop ALL, add one (any spelling)', drop: ['ALL'], add: ['net_bind_service'], want: ['CAP_NET_BIND_SERVICE'] },
    { name: 'add ALL, drop one', add: ['ALL'], drop: ['CHOWN'], want: HOST_CAPS.filter((c) => c !== 'CAP_CHOWN') },
    { name: 'add and drop the same: dropped', add: ['NET_ADMIN'], drop: ['NET_ADMIN'], want: DEFAULT_CAPS },
    { name: 'privileged: the host bounding set', privileged: true, want: HOST_CAPS },
    { name: 'a capability the host lacks', add: ['SYS_RESOURCE'], error: /CAP_SYS_RESOURCE cannot be added: this node's bounding set does not have them/ },
    { name: 'an unknown name', drop: ['BOGUS'], error: /unknown capability "CAP_BOGUS"/ },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const run = () => containerCapabilities({ privileged: !!t.privileged, add: t.add ?? [], drop: t.drop ?? [] }, HOST_CAPS);
      if (t.error) return assert.throws(run, t.error);
      assert.deepEqual([...run()].sort(), [...t.want!].sort());
    });
  }
  it('reads a CapBnd mask', () => assert.deepEqual(capsFromMask('0000000000000401'), ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE']));
});

describe('containerSecurity -> buildSpec', () => {
  const cases: { name: string; spec?: Partial<Pod['spec']>; sc?: Container['securityContext']; check?: (spec: any) => void; error?: RegExp }[] = [
    {
      name: 'nothing asked: default caps, no no_new_privs, no seccomp, masked paths, cgroup namespace, pod namespaces',
      check: (s) => {
        assert.deepEqual(
          s.process.capabilities.effective,
          DEFAULT_CAPS.filter((c) => HOST_CAPS.includes(c)).sort((a, b) => HOST_CAPS.indexOf(a) - HOST_CAPS.indexOf(b)),
        );
        assert.equal(s.process.noNewPrivileges, false);
        assert.equal(s.linux.seccomp, undefined);
        assert.deepEqual(s.linux.maskedPaths, [...MASKED_PATHS, '/sys/devices/system/cpu/cpu0/thermal_throttle']);
        assert.ok(s.linux.maskedPaths.includes('/proc/interrupts'));
        assert.deepEqual(s.linux.readonlyPaths, READONLY_PATHS);
        assert.ok(s.linux.maskedPaths.includes('/sys/devices/virtual/powercap'));
        assert.deepEqual(
          s.linux.namespaces.map((n: any) => n.type),
          ['pid', 'mount', 'network', 'uts', 'ipc', 'cgroup'],
        );
        assert.equal(s.linux.namespaces.find((n: any) => n.type === 'ipc').path, '/pod/ns/ipc');
      },
    },
    { name: 'allowPrivilegeEscalation: false sets no_new_privs', sc: { allowPrivilegeEscalation: false }, check: (s) => assert.equal(s.process.noNewPrivileges, true) },
    { name: 'privileged with allowPrivilegeEscalation: false is refused', sc: { privileged: true, allowPrivilegeEscalation: false }, error: /cannot set allowPrivilegeEscalation to false and privileged to true/ },
    {
      name: 'privileged: host caps and devices, nothing masked, writable sysfs and cgroups, no seccomp',
      sc: { privileged: true },
      spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } },
      check: (s) => {
        assert.deepEqual(s.process.capabilities.bounding, HOST_CAPS);
        assert.equal(s.linux.maskedPaths, undefined);
        assert.equal(s.linux.seccomp, undefined);
        assert.deepEqual(
          s.linux.devices.map((d: any) => d.path),
          ['/dev/kmsg'],
        );
        assert.deepEqual(s.linux.resources.devices, [{ allow: true, access: 'rwm' }]);
        assert.ok(s.mounts.find((m: any) => m.destination === '/sys').options.includes('rw'));
        assert.ok(s.mounts.find((m: any) => m.destination === '/sys/fs/cgroup').options.includes('rw'));
      },
    },
    { name: 'privileged with its own seccomp profile is refused', sc: { privileged: true, seccompProfile: { type: 'RuntimeDefault' } }, error: /privileged containers run without seccomp/ },
    {
      name: 'pod RuntimeDefault applies to the container',
      spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } },
      check: (s) => {
        assert.equal(s.linux.seccomp.defaultAction, 'SCMP_ACT_ERRNO');
        assert.ok(s.linux.seccomp.syscalls[0].names.includes('read'));
        assert.ok(!s.linux.seccomp.syscalls.some((c: any) => c.action === 'SCMP_ACT_ALLOW' && c.names.includes('mount')));
      },
    },
    { name: 'container Unconfined overrides the pod default', spec: { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }, sc: { seccompProfile: { type: 'Unconfined' } }, check: (s) => assert.equal(s.linux.seccomp, undefined) },
    {
      name: 'Localhost profile converted from Docker JSON',
      sc: { seccompProfile: { type: 'Localhost', localhostProfile: 'p/ok.json' } },
      check: (s) => assert.deepEqual(s.linux.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }),
    },
    { name: 'Localhost with ..', sc: { seccompProfile: { type: 'Localhost', localhostProfile: '../etc/passwd' } }, error: /must be a relative path inside the node's seccomp directory/ },
    { name: 'Localhost absolute', sc: { seccompProfile: { type: 'Localhost', localhostProfile: '/etc/passwd' } }, error: /must be a relative path/ },
    { name: 'Localhost through a symlink', sc: { seccompProfile: { type: 'Localhost', localhostProfile: 'p/link.json' } }, error: /ELOOP/ },
    { name: 'Localhost missing', sc: { seccompProfile: { type: 'Localhost', localhostProfile: 'p/none.json' } }, error: /failed to load seccomp profile "p\/none.json".*ENOENT/ },
    { name: 'Localhost with an unknown action', sc: { seccompProfile: { type: 'Localhost', localhostProfile: 'p/bad-action.json' } }, error: /defaultAction: unknown action "SCMP_ACT_MAYBE"/ },
    { name: 'an unknown profile type', sc: { seccompProfile: { type: 'Whatever' } }, error: /unknown seccomp profile type "Whatever"/ },
    { name: 'AppArmor on a node without it', sc: { appArmorProfile: { type: 'RuntimeDefault' } }, error: /AppArmor is not enabled on this node/ },
    { name: 'shareProcessNamespace', spec: { shareProcessNamespace: true }, error: /shareProcessNamespace is not supported by this node/ },
    { name: 'seLinuxOptions on a node without SELinux: nothing to apply', sc: { seLinuxOptions: { level: 's0:c1' } }, check: (s) => assert.equal(s.process.noNewPrivileges, false) },
    { name: 'procMount Unmasked without a user namespace', sc: { procMount: 'Unmasked' }, error: /procMount Unmasked needs a user namespace/ },
    {
      name: 'hostPID and hostIPC: no pid namespace, no ipc namespace',
      spec: { hostPID: true, hostIPC: true },
      check: (s) =>
        assert.deepEqual(
          s.linux.namespaces.map((n: any) => n.type),
          ['mount', 'network', 'uts', 'cgroup'],
        ),
    },
    {
      name: 'sysctls (slash form normalized)',
      spec: { securityContext: { sysctls: [{ name: 'net/ipv4/ip_unprivileged_port_start', value: '80' }] } },
      check: (s) => assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ip_unprivileged_port_start': '80' }),
    },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const { pod: p, c } = pod(t.spec, t.sc);
      const run = () => buildSpec(cfg(containerSecurity(p, c, host), { privileged: !!t.sc?.privileged }), sandbox, '/gifee/x');
      if (t.error) return assert.throws(run, t.error);
      t.check!(run());
    });
  }
});

describe('runAsNonRoot', () => {
  const cases: { name: string; sc?: Container['securityContext']; psc?: Pod['spec']['securityContext']; imageUser?: string; uid: number; error?: RegExp }[] = [
    { name: 'not asked', imageUser: '', uid: 0 },
    { name: 'image root', psc: { runAsNonRoot: true }, imageUser: '', uid: 0, error: /container has runAsNonRoot and image will run as root \(pod: "p_ns\(u1\)", container: c\)$/ },
    { name: 'image user by name', sc: { runAsNonRoot: true }, imageUser: 'nobody', uid: 65534, error: /image has non-numeric user \(nobody\), cannot verify user is non-root/ },
    { name: 'image user by number', sc: { runAsNonRoot: true }, imageUser: '1000:1000', uid: 1000 },
    { name: 'runAsUser 0', sc: { runAsNonRoot: true, runAsUser: 0 }, uid: 0, error: /runAsUser breaks non-root policy/ },
    { name: 'runAsUser overrides a named image user', sc: { runAsNonRoot: true, runAsUser: 5 }, imageUser: 'nobody', uid: 5 },
    { name: 'container false overrides pod true', sc: { runAsNonRoot: false }, psc: { runAsNonRoot: true }, uid: 0 },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const { pod: p, c } = pod({ securityContext: t.psc }, t.sc);
      const run = () => checkRunAsNonRoot(p, c, t.imageUser, t.uid);
      if (t.error) assert.throws(run, t.error);
      else assert.doesNotThrow(run);
    });
  }
});

describe('sysctls', () => {
  const cases: [string, { name: string; value: string }[], { hostNetwork?: boolean; hostIPC?: boolean }, string | undefined][] = [
    [
      'safe',
      [
        { name: 'net.ipv4.ip_local_port_range', value: '1024 65000' },
        { name: 'kernel.shm_rmid_forced', value: '1' },
      ],
      {},
      undefined,
    ],
    ['unsafe', [{ name: 'kernel.msgmax', value: '1' }], {}, 'forbidden sysctl: "kernel.msgmax" not allowlisted'],
    ['node-wide', [{ name: 'vm.swappiness', value: '1' }], {}, 'forbidden sysctl: "vm.swappiness" not allowlisted'],
    ['net with host network', [{ name: 'net.ipv4.tcp_syncookies', value: '1' }], { hostNetwork: true }, 'forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host net enabled'],
    ['ipc with host ipc', [{ name: 'kernel.shm_rmid_forced', value: '1' }], { hostIPC: true }, 'forbidden sysctl: "kernel.shm_rmid_forced" not allowed with host ipc enabled'],
    ['slash form', [{ name: 'net/ipv4/tcp_syncookies', value: '1' }], {}, undefined],
  ];
  for (const [name, s, p, want] of cases) it(name, () => assert.equal(forbiddenSysctl(s, p), want));
});

describe('seccomp default profile', () => {
  it('allows namespace calls only with CAP_SYS_ADMIN, and makes clone3 fall back', () => {
    const plain = defaultProfile(DEFAULT_CAPS);
    const allowed = (p: typeof plain, n: string) => p.syscalls!.some((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args && s.names.includes(n));
    assert.ok(!allowed(plain, 'unshare') && !allowed(plain, 'mount') && !allowed(plain, 'ptrace') && !allowed(plain, 'kexec_load'));
    assert.ok(plain.syscalls!.some((s) => s.names.includes('clone3') && s.errnoRet === 38));
    const admin = defaultProfile([...DEFAULT_CAPS, 'CAP_SYS_ADMIN', 'CAP_SYS_PTRACE']);
    assert.ok(allowed(admin, 'unshare') && allowed(admin, 'mount') && allowed(admin, 'clone') && allowed(admin, 'ptrace'));
    assert.equal(plain.defaultErrnoRet, 1);
  });
  it('refuses profile files that are not JSON objects', () => {
    writeFileSync(join(seccompRoot, 'p', 'list.json'), '[]');
    assert.throws(() => loadLocalhostProfile(seccompRoot, 'p/list.json'), /must be a JSON object/);
  });
});

describe('procMount Unmasked', () => {
  it('unmasks /proc in a pod with hostUsers: false, and only there', () => {
    const { pod: p, c } = pod({ hostUsers: false }, { procMount: 'Unmasked' });
    const sec = containerSecurity(p, c, host);
    assert.deepEqual([sec.maskedPaths, sec.readonlyPaths], [[], []]);
    const other = pod({}, { procMount: 'Unmasked' });
    assert.throws(() => containerSecurity(other.pod, other.c, host), /procMount Unmasked needs a user namespace \(hostUsers: false\)/);
  });
});

describe('process runtime refusal', () => {
  it('lists what it cannot enforce', () => {
    const { pod: p, c } = pod({ hostUsers: false, securityContext: { runAsUser: 1, sysctls: [{ name: 'a', value: 'b' }] } }, { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    assert.deepEqual(unenforceableByProcessRuntime(p, c), ['runAsUser', 'sysctls', 'readOnlyRootFilesystem', 'capabilities', 'seccompProfile RuntimeDefault', 'hostUsers: false']);
    assert.deepEqual(unenforceableByProcessRuntime(pod().pod, pod().c), []);
  });
});

process.on('exit', () => rmSync(seccompRoot, { recursive: true, force: true }));
