// A raw block volume's device as runc really runs it: the spec buildSpec writes for a container's
// volumeDevices makes the device node appear at its devicePath, readable and writable with "rw",
// and read-only with "r" (the device cgroup refuses opening it for writing). A loop device over a
// small file stands for the volume. Needs root, runc, losetup and a static busybox.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devMajor, devMinor } from '../security/devices.js';
import { removeCgroups } from './host.js';
import { buildSpec } from './oci-spec.js';
import { testContainerConfig } from './test-config.js';

const which = (cmd: string) => {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const busybox = which('busybox');
const staticBusybox = busybox && /statically linked/.test(execFileSync('file', ['-L', busybox], { encoding: 'utf8' }));
const skip = process.getuid?.() !== 0 ? 'needs root' : !which('runc') || !which('losetup') || !staticBusybox ? 'needs runc, losetup and a static busybox' : false;

test('runc gives the container the volume device at its devicePath: rw reads and writes, r only reads', { skip }, () => {
  const base = mkdtempSync(join(tmpdir(), 'gifee-runc-dev-'));
  const image = join(base, 'disk.img');
  writeFileSync(image, Buffer.concat([Buffer.alloc(4096), Buffer.from('gifee-block'), Buffer.alloc((1 << 20) - 4096 - 11)]));
  const loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  const cgroupParent = `gifee-test-devices-${process.pid}`;
  try {
    const st = statSync(loop);
    const bundle = join(base, 'bundle');
    mkdirSync(join(bundle, 'rootfs', 'bin'), { recursive: true });
    copyFileSync(busybox, join(bundle, 'rootfs', 'bin', 'busybox'));
    chmodSync(join(bundle, 'rootfs', 'bin', 'busybox'), 0o755);
    const run = (access: 'rw' | 'r') => {
      const id = `gifee-devtest-${process.pid}-${access}`;
      const script = '/bin/busybox dd if=/dev/xvda bs=1 skip=4096 count=11 2>/dev/null; echo; if echo hi | /bin/busybox dd of=/dev/xvda bs=1 seek=8192 2>/dev/null; then echo wrote; else echo refused; fi';
      const devices = [{ path: '/dev/xvda', type: 'b' as const, major: devMajor(st.rdev), minor: devMinor(st.rdev), fileMode: 0o660, uid: 0, gid: 0, access }];
      const spec = buildSpec(testContainerConfig({ args: ['/bin/busybox', 'sh', '-c', script], devices }), { podUid: 'x', dir: base }, `/${cgroupParent}/${id}`);
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
      try {
        return execFileSync('runc', ['run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 30_000 }).trim().split('\n');
      } finally {
        execFileSync('runc', ['delete', '-f', id], { stdio: 'ignore' });
      }
    };
    assert.deepEqual(run('rw'), ['gifee-block', 'wrote']);
    assert.deepEqual(run('r'), ['gifee-block', 'refused']);
  } finally {
    execFileSync('losetup', ['-d', loop]);
    rmSync(base, { recursive: true, force: true });
  }
  return removeCgroups(cgroupParent);
});
