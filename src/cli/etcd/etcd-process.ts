// The managed etcd member as a supervised child process: started and awaited healthy, restarted
// with back-off when it dies (kill -9 included; it comes back from its data), stopped with the
// server. Its JSON log lines go to DATA/etcd/etcd.log; warnings and errors are also surfaced in
// gifee's log (rate-limited: a flapping peer must not flood it). DATA/etcd/etcd.pid names the
// running child, for people and tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EtcdTls } from '../../store/etcd/store.js';
import type { Logger } from '../../util/log.js';
import { metrics } from '../../util/metrics.js';
import { isProcessAlive } from '../../util/process-alive.js';
import { logFailure } from '../../util/best-effort.js';

const restarts = metrics.counter('gifee_etcd_restarts_total', 'Restarts of the managed etcd member after it died.');

export interface EtcdProcessOptions {
  binary: string;
  args: string[];
  /** Arguments of restarts after the first healthy start (default args): --cluster-reset's --force-new-cluster is for the first start only. */
  restartArgs?: string[];
  /** setpriv's path, to tie etcd's life to gifee's (absent: etcd may outlive a killed gifee; the next start stops it). */
  setpriv?: string;
  /** DATA/etcd: etcd.log and etcd.pid are written here. */
  dir: string;
  clientUrl: string;
  tls: EtcdTls;
  log: Logger;
  /** How long the first start may take to become healthy (a member replaying a large WAL is slow). */
  startTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called once etcd exited saying its member was removed: the server has no store any more and should stop. */
  onRemoved?: (reason: string) => void;
}

/** etcd's zap levels that gifee's log shows. */
const SURFACED = new Set(['warn', 'error', 'dpanic', 'panic', 'fatal']);
/** Warnings etcd 3.4 writes in normal operation (gifee uses no etcd auth tokens: clients authenticate by certificate; peers connecting is no trouble). */
const NOT_SURFACED = new Set(['simple token is not cryptographically signed', 'established TCP streaming connection with remote peer']);
/** What etcd says when its member was removed from the cluster (at the removal, and again on each start after). */
const REMOVED = 'the member has been permanently removed from the cluster';
/** At most this many etcd warnings per minute reach gifee's log; the rest only the file. */
const SURFACED_PER_MINUTE = 20;

export class EtcdProcess {
  private child?: ChildProcess;
  private stopping = false;
  private backoffMs: number;
  private startedAt = 0;
  private restartTimer?: NodeJS.Timeout;
  private logFile?: WriteStream;
  private surfaced = { minute: 0, count: 0, dropped: 0 };
  /** The last lines etcd wrote, for the error when it fails to start. */
  private tail: string[] = [];
  /** etcd said its member was removed (gifee etcd remove): restarting it would only fail again. */
  private removed = false;

  constructor(private o: EtcdProcessOptions) {
    this.backoffMs = o.minBackoffMs ?? 500;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logPath(): string {
    return join(this.o.dir, 'etcd.log');
  }

  /** Starts etcd and resolves once it answers /health; rejects with etcd's last words if it exits or times out first. */
  async start(): Promise<void> {
    this.logFile = createWriteStream(this.logPath, { flags: 'a', mode: 0o600 });
    this.logFile.on('error', (e) => this.o.log.warn('cannot write the etcd log', { file: this.logPath, err: e }));
    const child = this.spawn();
    const deadline = Date.now() + (this.o.startTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null || this.child !== child) {
        throw new Error(`etcd exited while starting (code ${child.exitCode}, signal ${child.signalCode}); its log is ${this.logPath}:\n${this.tail.join('\n')}`);
      }
      if (await healthy(this.o.clientUrl, this.o.tls)) {
        if (this.o.restartArgs) this.o = { ...this.o, args: this.o.restartArgs };
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`etcd did not become healthy at ${this.o.clientUrl} in ${Math.round((this.o.startTimeoutMs ?? 60_000) / 1000)}s; its log is ${this.logPath}:\n${this.tail.join('\n')}`);
  }

  private spawn(): ChildProcess {
    // etcd 3.4 refuses architectures other than amd64 unless told (Debian builds it for arm64 too).
    const env = { ...process.env, ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch === 'arm64' ? 'arm64' : process.arch };
    // A process group of its own: a terminal's Ctrl-C (or `timeout`) signals gifee's group, and etcd
    // must outlive it until the store has closed; gifee stops it after, in order.
    // With util-linux' setpriv (Debian has it), etcd gets SIGTERM from the kernel if gifee dies
    // (kill -9 included) instead of living on as an orphan; setpriv execs etcd, so the pid is etcd's.
    const [cmd, args] = this.o.setpriv ? [this.o.setpriv, ['--pdeathsig', 'TERM', '--', this.o.binary, ...this.o.args]] : [this.o.binary, this.o.args];
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env, detached: true });
    this.child = child;
    this.removed = false;
    this.startedAt = Date.now();
    if (child.pid) void writeFile(join(this.o.dir, 'etcd.pid'), `${child.pid}\n`).catch(logFailure(this.o.log, 'writing etcd.pid (a later start cannot stop a stale etcd)'));
    this.o.log.info('etcd started', { pid: child.pid, clientUrl: this.o.clientUrl, log: this.logPath });
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => this.onLine(line));
    child.on('error', (e) => this.o.log.warn('etcd process error', { err: e, binary: this.o.binary }));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    return child;
  }

  private onLine(line: string) {
    // Bounded: a pathological line is cut before it is kept or parsed.
    const text = line.length > 8192 ? `${line.slice(0, 8192)}…` : line;
    this.logFile?.write(`${text}\n`);
    if (text.includes(REMOVED)) this.removed = true;
    this.tail.push(text);
    if (this.tail.length > 20) this.tail.shift();
    let entry: { level?: unknown; msg?: unknown; error?: unknown } | undefined;
    try {
      entry = JSON.parse(text) as typeof entry;
    } catch {
      return;
    }
    if (!entry || typeof entry.level !== 'string' || !SURFACED.has(entry.level) || NOT_SURFACED.has(String(entry.msg))) return;
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.surfaced.minute) {
      if (this.surfaced.dropped > 0) this.o.log.warn('etcd wrote more warnings than shown', { dropped: this.surfaced.dropped, log: this.logPath });
      this.surfaced = { minute, count: 0, dropped: 0 };
    }
    if (++this.surfaced.count > SURFACED_PER_MINUTE) {
      this.surfaced.dropped++;
      return;
    }
    this.o.log.warn(`etcd: ${String(entry.msg ?? '')}`, { level: entry.level, ...(entry.error !== undefined ? { error: String(entry.error) } : {}) });
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    if (this.child === child) this.child = undefined;
    if (this.stopping) return;
    if (this.removed) {
      const reason = 'this etcd member was removed from its cluster (gifee etcd remove); not restarting it: this server has no store now. gifee reset --purge its data dir, then join again with an empty --data-dir';
      this.o.log.error(reason, { code, signal, log: this.logPath });
      this.o.onRemoved?.(reason);
      return;
    }
    // A member that ran for a minute was healthy: its next failure starts the back-off anew.
    if (Date.now() - this.startedAt > 60_000) this.backoffMs = this.o.minBackoffMs ?? 500;
    restarts.inc();
    this.o.log.warn('etcd died; restarting', { code, signal, restartInMs: this.backoffMs, log: this.logPath });
    this.restartTimer = setTimeout(() => {
      if (!this.stopping) this.spawn();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 30_000);
  }

  /** SIGTERM (etcd closes its WAL cleanly), SIGKILL after timeoutMs. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    }
    await rm(join(this.o.dir, 'etcd.pid'), { force: true });
    await new Promise<void>((r) => (this.logFile ? this.logFile.end(() => r()) : r()));
  }
}

/**
 * An etcd left running by a gifee that was killed (kill -9 does not reach its children) still holds
 * this member's ports and data: stopped before a new one starts. Only the process DATA/etcd/etcd.pid
 * names, and only if its command line is etcd with this member's --data-dir (a reused pid is left alone).
 */
export async function stopStaleMember(dir: string, args: string[], log: Logger): Promise<void> {
  const pid = Number.parseInt((await readFile(join(dir, 'etcd.pid'), 'utf8').catch(() => '')).trim(), 10);
  if (!Number.isInteger(pid) || pid <= 1) return;
  const dataDir = args[args.indexOf('--data-dir') + 1];
  const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  if (!cmdline[0]?.endsWith('etcd') || cmdline[cmdline.indexOf('--data-dir') + 1] !== dataDir) return;
  log.warn('stopping an etcd of this member left running by an earlier gifee', { pid });
  const alive = () => isProcessAlive(pid);
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      /* gone */
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
  if (alive()) signal('SIGKILL');
  for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
}

/** etcd's /health over TLS with the client certificate: true when it has a leader and answers. */
export function healthy(clientUrl: string, tls: EtcdTls, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(`${clientUrl}/health`, { ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.serverName ?? '', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < 4096) body += d;
      });
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('"true"')));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}
