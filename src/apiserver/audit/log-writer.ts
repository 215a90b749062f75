// The audit log file: JSON lines appended by a background writer, so request handling never waits on
// the disk. The queue is bounded (events and bytes): past it, events are dropped and counted
// (apiserver_audit_error_total), as kube-apiserver's batching backend does. Rotation like
// kube-apiserver's (lumberjack): past --audit-log-maxsize MB the file is renamed NAME-TIMESTAMP.EXT and
// a new one begun; old ones are removed past --audit-log-maxbackup files or --audit-log-maxage days.

import { chmod, mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { metrics } from '../../util/metrics.js';
import type { Logger } from '../../util/log.js';
import { ignoreError } from '../../util/best-effort.js';

export interface AuditLogOptions {
  /** File path, or '-' for standard output. */
  path: string;
  /** Rotate past this many megabytes (0: lumberjack's default, 100). */
  maxSizeMB?: number;
  /** Rotated files kept (0: all). */
  maxBackups?: number;
  /** Days a rotated file is kept (0: forever). */
  maxAgeDays?: number;
  /** Events waiting for the disk, at most (default 10,000)... */
  queueEvents?: number;
  /** ... and bytes (default 64 MiB). */
  queueBytes?: number;
}

export const auditErrors = metrics.counter('apiserver_audit_error_total', 'Counter of audit events that failed to be audited properly (dropped: the writer queue was full, or the write failed).');

const MB = 1024 * 1024;

export class AuditLogWriter {
  private queue: string[] = [];
  private queuedBytes = 0;
  private file?: FileHandle;
  private size = 0;
  private running?: Promise<void>;
  private lastWarn = 0;
  private closed = false;

  constructor(
    private readonly o: AuditLogOptions,
    private readonly log?: Logger,
  ) {}

  /** Queue one line (without its newline); false when it was dropped. */
  write(line: string): boolean {
    if (this.closed || this.queue.length >= (this.o.queueEvents ?? 10_000) || this.queuedBytes + line.length > (this.o.queueBytes ?? 64 * MB)) {
      auditErrors.inc({ plugin: 'log' });
      this.warn('audit events dropped: the log writer cannot keep up');
      return false;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    this.kick();
    return true;
  }

  private kick() {
    if (this.running || !this.queue.length) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      // Lines queued while the last batch was finishing.
      this.kick();
    });
  }

  /** Resolves once everything queued so far is on disk (tests; shutdown). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.file?.close().catch(ignoreError('closing the audit file at shutdown, after the flush above'));
    this.file = undefined;
  }

  private async drain() {
    // Let the request that queued the first line finish before any disk work starts.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length) {
      const batch = this.queue;
      const n = batch.length;
      this.queue = [];
      this.queuedBytes = 0;
      const text = `${batch.join('\n')}\n`;
      try {
        if (this.o.path === '-') await new Promise<void>((r) => process.stdout.write(text, () => r()));
        else await this.append(text);
      } catch (e) {
        auditErrors.inc({ plugin: 'log' }, n);
        this.warn(`cannot write the audit log: ${(e as Error).message}`);
      }
    }
  }

  private async append(text: string) {
    const bytes = Buffer.byteLength(text);
    if (!this.file) await this.openFile();
    const max = (this.o.maxSizeMB || 100) * MB;
    if (this.size > 0 && this.size + bytes > max) await this.rotate();
    await this.file!.write(text);
    this.size += bytes;
  }

  private async openFile() {
    await mkdir(dirname(this.o.path), { recursive: true, mode: 0o700 });
    this.file = await open(this.o.path, 'a', 0o600);
    // An existing file keeps its mode on open: audit records are secrets too.
    await chmod(this.o.path, 0o600);
    this.size = (await this.file.stat()).size;
  }

  private async rotate() {
    await this.file?.close();
    this.file = undefined;
    const ext = extname(this.o.path);
    const stamp = new Date().toISOString().replace(/:/g, '-').replace('Z', '');
    await rename(this.o.path, join(dirname(this.o.path), `${basename(this.o.path, ext)}-${stamp}${ext}`));
    await this.openFile();
    await this.prune().catch((e) => this.warn(`cannot remove old audit logs: ${(e as Error).message}`));
  }

  /** Old rotated files past the count or the age limit are removed. */
  private async prune() {
    const { maxBackups = 0, maxAgeDays = 0 } = this.o;
    if (!maxBackups && !maxAgeDays) return;
    const dir = dirname(this.o.path);
    const ext = extname(this.o.path);
    const prefix = `${basename(this.o.path, ext)}-`;
    const re = /^(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3})$/;
    const backups = (await readdir(dir))
      .filter((n) => n.startsWith(prefix) && n.endsWith(ext) && re.test(n.slice(prefix.length, n.length - ext.length)))
      .sort()
      .reverse();
    const cutoff = Date.now() - maxAgeDays * 86_400_000;
    for (const [i, name] of backups.entries()) {
      const p = join(dir, name);
      const tooMany = maxBackups > 0 && i >= maxBackups;
      const tooOld = maxAgeDays > 0 && (await stat(p)).mtimeMs < cutoff;
      if (tooMany || tooOld) await unlink(p);
    }
  }

  private warn(msg: string) {
    const now = Date.now();
    if (now - this.lastWarn < 60_000) return;
    this.lastWarn = now;
    this.log?.warn(msg, { path: this.o.path });
  }
}
