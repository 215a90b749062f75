// volumeMounts' mountPropagation as runc really runs it: with Bidirectional (rshared) a mount the
// container makes under the volume appears on the host (what a CSI driver pod's publish needs);
// with HostToContainer (rslave) a mount the host makes after the container started appears inside;
// with None nothing crosses. The host directory is made a shared mount first, as the agent makes
// its CSI directory. Needs root, runc and a static busybox.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeCgroups } from './host.js';
import { ensureSharedMount, mountOf, parseMountInfo, propagationRefusal } from './mount-propagation.js';
import { buildSpec } from './oci-spec.js';
import { testContainerConfig } from './test-config.js';

const has = (cmd: string) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const busybox = has('busybox');
const staticBusybox = busybox && /statically linked/.test(execFileSync('file', ['-L', busybox], { encoding: 'utf8' }));
const skip = process.getuid?.() !== 0 ? 'needs root' : !has('runc') || !staticBusybox ? 'needs runc and a static busybox' : false;
const mounted = (p: string) => parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8')).some((m) => m.mountPoint === p);

test('mountinfo: the mount a path lies on and its propagation', () => {
  const text = ['22 1 254:1 / / rw,relatime - ext4 /dev/vda rw', '30 22 0:40 / /srv/shared rw shared:7 - tmpfs tmpfs rw', '31 22 0:41 / /srv/slave rw master:7 - tmpfs tmpfs rw', '32 22 0:42 / /srv/with\\040space rw - tmpfs tmpfs rw'].join('\n');
  const e = parseMountInfo(text);
  assert.deepEqual(mountOf(e, '/srv/shared/a/b'), { mountPoint: '/srv/shared', shared: true, slave: false });
  assert.deepEqual(mountOf(e, '/srv/slave'), { mountPoint: '/srv/slave', shared: false, slave: true });
  assert.equal(mountOf(e, '/srv/with space/x')?.mountPoint, '/srv/with space');
  assert.equal(mountOf(e, '/srv/sharedx')?.mountPoint, '/', 'a prefix of the name is not the mount');
});

test('runc: Bidirectional hands the container’s mounts to the host, HostToContainer the host’s to the container, None neither', { skip }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'gifee-runc-prop-'));
  const shared = join(base, 'shared');
  const cgroupParent = `gifee-test-propagation-${process.pid}`;
  mkdirSync(shared, { recursive: true });
  try {
    assert.match((await propagationRefusal(shared, 'rshared')) ?? '', /is not a shared mount/, 'a private mount is refused with the kubelet’s reason');
    await ensureSharedMount(shared);
    assert.equal(await propagationRefusal(shared, 'rshared'), undefined);
    await ensureSharedMount(shared); // idempotent
    const bundle = join(base, 'bundle');
    mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
    mkdirSync(join(bundle, 'rootfs', 'mnt'), { recursive: true });
    copyFileSync(busybox, join(bundle, 'rootfs', 'bin', 'busybox'));
    chmodSync(join(bundle, 'rootfs', 'bin', 'busybox'), 0o755);
    const runContainer = (id: string, propagation: 'rshared' | 'rslave' | undefined, script: string, mounter: boolean, during?: () => void) => {
      const spec = buildSpec(testContainerConfig({ args: ['/bin/busybox', 'sh', '-c', script], capAdd: mounter ? ['SYS_ADMIN'] : [], mounts: [{ source: shared, destination: '/mnt', ...(propagation ? { propagation } : {}) }] }), { podUid: 'x', dir: base }, `/${cgroupParent}/${id}`);
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
      return new Promise<string>((resolve, reject) => {
        const p = spawn('runc', ['run', '--bundle', bundle, id], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        p.stdout.on('data', (d) => {
          out += d;
          if (out.includes('ready') && during) {
            during();
            during = undefined;
          }
        });
        let err = '';
        p.stderr.on('data', (d) => (err += d));
        p.on('exit', (code) => {
          execFileSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
          code === 0 ? resolve(out.trim()) : reject(new Error(`runc exited ${code}: ${err}`));
        });
      });
    };
    // Bidirectional: the container mounts a tmpfs under the volume; the host sees it (and it stays after the container).
    mkdirSync(join(shared, 'from-container'), { recursive: true });
    await runContainer(`gifee-prop-bi-${process.pid}`, 'rshared', '/bin/busybox mount -t tmpfs tmpfs /mnt/from-container && echo hi > /mnt/from-container/f', true);
    assert.ok(mounted(join(shared, 'from-container')), 'the container’s mount reached the host');
    assert.equal(readFileSync(join(shared, 'from-container', 'f'), 'utf8'), 'hi\n');
    execFileSync('umount', [join(shared, 'from-container')]);
    // HostToContainer: the host mounts after the container started; the container sees it.
    mkdirSync(join(shared, 'from-host'), { recursive: true });
    const seeHost = 'echo ready; for i in $(/bin/busybox seq 50); do [ -f /mnt/from-host/f ] && { /bin/busybox cat /mnt/from-host/f; exit 0; }; /bin/busybox sleep 0.1; done; echo unseen';
    const hostMount = () => {
      execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', join(shared, 'from-host')]);
      writeFileSync(join(shared, 'from-host', 'f'), 'from the host\n');
    };
    assert.equal(await runContainer(`gifee-prop-h2c-${process.pid}`, 'rslave', seeHost, false, hostMount), 'ready\nfrom the host');
    execFileSync('umount', [join(shared, 'from-host')]);
    // None: neither direction.
    assert.equal(await runContainer(`gifee-prop-none-${process.pid}`, undefined, seeHost, false, hostMount), 'ready\nunseen');
    execFileSync('umount', [join(shared, 'from-host')]);
  } finally {
    execFileSync('sh', ['-c', `umount -R ${shared} 2>/dev/null || true`]);
    rmSync(base, { recursive: true, force: true });
  }
  return removeCgroups(cgroupParent);
});
