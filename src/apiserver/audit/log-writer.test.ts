import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogWriter, auditErrors } from './log-writer.js';
import { metrics } from '../../util/metrics.js';

const dropped = () => Number(/apiserver_audit_error_total\{plugin="log"\} (\d+)/.exec(metrics.render())?.[1] ?? 0);

test('lines are appended in order to a 0600 file, rotated past the size limit, old ones pruned', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'audit-log-'));
  try {
    const path = join(dir, 'audit.log');
    await writeFile(path, '', { mode: 0o644 });
    const w = new AuditLogWriter({ path, maxSizeMB: 1, maxBackups: 2 });
    const line = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(100 * 1024) });
    for (let i = 0; i < 12; i++) {
      assert.ok(w.write(line(i)));
      // Some batches, not one: rotation happens between batches.
      if (i % 3 === 2) await w.flush();
    }
    await w.close();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const names = (await readdir(dir)).sort();
    const backups = names.filter((n) => /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(n));
    assert.ok(backups.length >= 1 && backups.length <= 2, `backups kept: ${names.join(' ')}`);
    for (const n of names) assert.ok((await stat(join(dir, n))).size <= 1024 * 1024 + 1, `${n} within 1 MiB`);
    const current = (await readFile(path, 'utf8')).trim().split('\n');
    const last = JSON.parse(current[current.length - 1]);
    assert.equal(last.i, 11);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a full queue drops events and counts them instead of blocking', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'audit-log-'));
  try {
    const before = dropped();
    const w = new AuditLogWriter({ path: join(dir, 'a.log'), queueEvents: 5 });
    let accepted = 0;
    for (let i = 0; i < 20; i++) if (w.write(`{"i":${i}}`)) accepted++;
    assert.equal(accepted, 5);
    assert.equal(dropped() - before, 15);
    await w.close();
    assert.equal((await readFile(join(dir, 'a.log'), 'utf8')).trim().split('\n').length, 5);
    assert.ok(auditErrors);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
