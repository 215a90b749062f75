import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, iscsiUnsupported, nfsUnsupported } from './host-support.js';
import { iscsiCommands, nfsMountArgs, normalizePortal, prepareNetworkVolume, validateIscsi, validateMountOptions, validateNfs, type IscsiSource } from './network-volumes.js';

test('nfs: the mount command line', () => {
  const table: [Parameters<typeof nfsMountArgs>, string[]][] = [
    [
      [{ server: 'nfs.example.com', path: '/exports/data' }, '/pods/u/volumes/kubernetes.io~nfs/v'],
      ['-t', 'nfs', 'nfs.example.com:/exports/data', '/pods/u/volumes/kubernetes.io~nfs/v'],
    ],
    [
      [{ server: '10.0.0.5', path: '/srv', readOnly: true }, '/d'],
      ['-t', 'nfs', '-o', 'ro', '10.0.0.5:/srv', '/d'],
    ],
    [
      [{ server: '10.0.0.5', path: '/srv' }, '/d', ['nfsvers=4.1', 'hard', 'timeo=600'], true],
      ['-t', 'nfs', '-o', 'nfsvers=4.1,hard,timeo=600,ro', '10.0.0.5:/srv', '/d'],
    ],
    [
      [{ server: 'fd00::5', path: '/srv' }, '/d'],
      ['-t', 'nfs', '[fd00::5]:/srv', '/d'],
    ],
    [
      [{ server: 'nas', path: '/with space' }, '/d'],
      ['-t', 'nfs', 'nas:/with space', '/d'],
    ],
  ];
  for (const [args, want] of table) assert.deepEqual(nfsMountArgs(...args), want);
});

test('nfs: hostile servers, paths and options are refused', () => {
  const ok = { server: 'nfs.example.com', path: '/exports' };
  assert.equal(validateNfs(ok), undefined);
  const bad: [object, RegExp][] = [
    [{ ...ok, server: '-oremount' }, /not a host name/],
    [{ ...ok, server: 'a,b' }, /not a host name/],
    [{ ...ok, server: 'host:/x' }, /not a host name/],
    [{ ...ok, server: 'x'.repeat(300) }, /not a host name/],
    [{ ...ok, server: '' }, /required/],
    [{ ...ok, path: 'relative' }, /absolute/],
    [{ ...ok, path: '-o' }, /absolute/],
    [{ ...ok, path: '/a,nolock' }, /commas/],
    [{ ...ok, path: '/a\nb' }, /control/],
    [{ ...ok, path: `/${'a'.repeat(5000)}` }, /longer/],
    [{ ...ok, path: 5 }, /absolute/],
  ];
  for (const [src, re] of bad) assert.match(validateNfs(src as never) ?? 'accepted', re, JSON.stringify(src).slice(0, 80));
  assert.equal(validateMountOptions(['nfsvers=4.1', 'hard', 'sec=krb5p', 'context=system_u:object_r:nfs_t:s0']), undefined);
  for (const o of [['-oexec'], ['a,b'], ['x y'], [5], 'hard', Array(65).fill('hard'), ['a'.repeat(300)]]) assert.ok(validateMountOptions(o), JSON.stringify(o).slice(0, 60));
});

test('iscsi: discovery, login, logout and the by-path device', () => {
  const src: IscsiSource = { targetPortal: '10.0.2.15', iqn: 'iqn.2001-04.com.example:storage.disk1', lun: 3 };
  assert.deepEqual(iscsiCommands(src), {
    discover: ['-m', 'discovery', '-t', 'sendtargets', '-p', '10.0.2.15:3260', '-I', 'default'],
    login: ['-m', 'node', '-p', '10.0.2.15:3260', '-T', 'iqn.2001-04.com.example:storage.disk1', '-I', 'default', '--login'],
    logout: ['-m', 'node', '-p', '10.0.2.15:3260', '-T', 'iqn.2001-04.com.example:storage.disk1', '-I', 'default', '--logout'],
    device: '/dev/disk/by-path/ip-10.0.2.15:3260-iscsi-iqn.2001-04.com.example:storage.disk1-lun-3',
  });
  assert.deepEqual(iscsiCommands({ ...src, targetPortal: 'san.example.com:3261', iscsiInterface: 'iface0' }).login, ['-m', 'node', '-p', 'san.example.com:3261', '-T', src.iqn, '-I', 'iface0', '--login']);
  const portals: [string, string | undefined][] = [
    ['10.0.0.1', '10.0.0.1:3260'],
    ['10.0.0.1:860', '10.0.0.1:860'],
    ['[fd00::1]:3260', '[fd00::1]:3260'],
    ['[fd00::1]', '[fd00::1]:3260'],
    ['-p', undefined],
    ['host:0', undefined],
    ['host:70000', undefined],
    ['a,b:3260', undefined],
    ['[nothex]:1', undefined],
  ];
  for (const [p, want] of portals) assert.equal(normalizePortal(p), want, p);
});

test('iscsi: hostile sources are refused', () => {
  const ok: IscsiSource = { targetPortal: '10.0.2.15:3260', iqn: 'iqn.2001-04.com.example:storage.disk1', lun: 0, fsType: 'ext4' };
  assert.equal(validateIscsi(ok), undefined);
  assert.equal(validateIscsi({ ...ok, iqn: 'eui.02004567A425678D' }), undefined);
  assert.equal(validateIscsi({ ...ok, iqn: 'naa.52004567BA64678D' }), undefined);
  const bad: [Partial<IscsiSource> & Record<string, unknown>, RegExp][] = [
    [{ targetPortal: '--op=delete' }, /targetPortal/],
    [{ portals: ['ok:3260', '-x'] }, /portals/],
    [{ iqn: '--logoutall=all' }, /iqn/],
    [{ iqn: 'iqn.2001-04.com.example:a,b' }, /iqn/],
    [{ iqn: `iqn.2001-04.com.${'a'.repeat(230)}` }, /iqn/],
    [{ lun: 256 }, /lun/],
    [{ lun: -1 }, /lun/],
    [{ lun: 1.5 }, /lun/],
    [{ iscsiInterface: '-I' }, /iscsiInterface/],
    [{ fsType: 'ext4 -o' }, /fsType/],
    [{ chapAuthSession: true }, /CHAP/],
  ];
  for (const [patch, re] of bad) assert.match(validateIscsi({ ...ok, ...patch } as IscsiSource) ?? 'accepted', re, JSON.stringify(patch).slice(0, 80));
});

test('this host: a clear FailedMount message naming what is missing and what to install', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-netvol-'));
  try {
    const nfsMissing = await nfsUnsupported('node-a');
    if (!(await findExecutable('mount.nfs'))) assert.equal(nfsMissing, 'mount.nfs not found: install nfs-common (Debian, Ubuntu) or nfs-utils (Fedora, RHEL) on node node-a');
    if (nfsMissing) {
      await assert.rejects(prepareNetworkVolume(dir, 'node-a', 'share', { nfs: { server: 'nfs.example.com', path: '/exports' } }), (e: Error) => e.message === `volume "share": ${nfsMissing}`);
    }
    const iscsiMissing = await iscsiUnsupported('node-a');
    if (!(await findExecutable('iscsiadm'))) assert.equal(iscsiMissing, 'iscsiadm not found: install open-iscsi (Debian, Ubuntu) or iscsi-initiator-utils (Fedora, RHEL) on node node-a');
    if (iscsiMissing) {
      await assert.rejects(prepareNetworkVolume(dir, 'node-a', 'disk', { iscsi: { targetPortal: '10.0.2.15', iqn: 'iqn.2001-04.com.example:d', lun: 0 } }), (e: Error) => e.message === `volume "disk": ${iscsiMissing}`);
    }
    // Bad input is refused before the host is even looked at.
    await assert.rejects(prepareNetworkVolume(dir, 'node-a', 'share', { nfs: { server: '-oremount', path: '/x' } }), /volume "share": nfs.server "-oremount" is not a host name or IP address/);
    assert.equal(await prepareNetworkVolume(dir, 'node-a', 'x', {}), undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
