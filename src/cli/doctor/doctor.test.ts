// gifee doctor: the report's shape, and a missing binary reported as a failure with its fix (the
// real command, with a PATH that lacks runc), exit code 1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { whichOnPath as which } from './checks.js';
import { formatReport } from './report.js';

const ESC = String.fromCharCode(27);
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'main.js');

test('the report: grouped lines, the fix under warnings and failures, a summary', () => {
  const out = formatReport(
    [
      { group: 'kernel', name: 'overlayfs', verdict: 'pass', detail: 'available' },
      { group: 'binaries', name: 'runc', verdict: 'fail', detail: 'not found on the PATH', fix: 'apt-get install runc' },
      { group: 'binaries', name: 'mount.nfs', verdict: 'warn', detail: 'not found on the PATH (only for nfs volumes)', fix: 'apt-get install nfs-common' },
    ],
    false,
  );
  assert.equal(
    out,
    [
      'kernel',
      '  PASS  overlayfs: available',
      '',
      'binaries',
      '  FAIL  runc: not found on the PATH',
      '        → apt-get install runc',
      '  WARN  mount.nfs: not found on the PATH (only for nfs volumes)',
      '        → apt-get install nfs-common',
      '',
      '1 passed, 1 warnings, 1 failed: gifee cannot run a node here until the failures are fixed',
    ].join('\n'),
  );
  assert.ok(formatReport([{ group: 'g', name: 'n', verdict: 'fail', detail: 'd' }], true).includes(`${ESC}[31mFAIL${ESC}[0m`));
});

test('gifee doctor with runc missing from the PATH: FAIL with the package to install, exit code 1', async () => {
  const bin = await mkdtemp(join(tmpdir(), 'gifee-doctor-'));
  try {
    for (const cmd of ['nft', 'ip', 'nsenter', 'unshare', 'mount', 'script', 'busybox', 'losetup', 'mkfs.ext4', 'resize2fs']) {
      const at = await which(cmd);
      if (at) await symlink(at, join(bin, cmd));
    }
    const r = await new Promise<{ code: number; stdout: string }>((resolve) => execFile(process.execPath, [main, 'doctor', '--port', '0', '--data-dir', bin], { env: { ...process.env, PATH: bin, NO_COLOR: '1' } }, (e, stdout) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout })));
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /\n {2}FAIL {2}runc: not found on the PATH\n {8}→ apt-get install runc\n/);
    assert.match(r.stdout, /failed: gifee cannot run a node here until the failures are fixed/);
    assert.ok(!r.stdout.includes(ESC), 'no colour without a terminal');
  } finally {
    await rm(bin, { recursive: true, force: true });
  }
});
