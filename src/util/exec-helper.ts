// Commands run through a small helper process instead of forking the caller: execFile from a large
// process (the agent, 120-150 MB resident) holds its event loop for the whole fork and until the
// child has exec'd, 10-20 ms each on a busy 2-core node, and the agent's own storage operations
// (mkfs, losetup, mount) are a handful per volume. The helper is a bare Node process (tens of MB, so
// its forks are cheap) that runs each command with execFile and answers with what it printed; the
// caller's loop only writes and reads a line of JSON. Same results and errors as execFile (exit
// code, kill by timeout, ENOENT); when the helper cannot be started, commands run directly.
//
// The helper lives while commands are under way (it does not keep the caller alive when idle) and
// exits when the caller goes away (its stdin closes). A helper that dies fails the commands it was
// running; the next command starts a new one.

import { type ChildProcess, execFile, spawn } from 'node:child_process';

export interface ExecOptions {
  timeout?: number;
  killSignal?: NodeJS.Signals;
  maxBuffer?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** execFile's failure: exit code (or errno name such as ENOENT), killed/signal after a timeout, and the output so far. */
export interface ExecError extends Error {
  code?: number | string;
  killed?: boolean;
  signal?: NodeJS.Signals | null;
  stdout?: string;
  stderr?: string;
}

interface Reply {
  id: number;
  stdout: string;
  stderr: string;
  error?: { message: string; code?: number | string; killed?: boolean; signal?: NodeJS.Signals | null };
}

// The helper's program (CommonJS, no files: it runs as `node -e`, wherever gifee is installed).
// Requests and replies are one JSON object a line. SIGINT/SIGTERM are left to the caller (a Ctrl-C
// reaches the whole process group): commands under way finish and are answered; the helper ends
// with its stdin.
const HELPER = `
const { execFile } = require('node:child_process');
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
let buf = '';
const reply = (r) => process.stdout.write(JSON.stringify(r) + '\\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\\n')) >= 0; ) {
    const m = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    try {
      execFile(m.cmd, m.args, { timeout: m.timeout, killSignal: m.killSignal, maxBuffer: m.maxBuffer, env: m.env, encoding: 'utf8' }, (err, stdout, stderr) =>
        reply({ id: m.id, stdout: String(stdout ?? ''), stderr: String(stderr ?? ''), error: err ? { message: err.message, code: err.code, killed: err.killed, signal: err.signal } : undefined }));
    } catch (e) {
      reply({ id: m.id, stdout: '', stderr: '', error: { message: e.message, code: e.code } });
    }
  }
});
process.stdin.on('end', () => process.exit(0));
`;

interface Pending {
  resolve(r: ExecResult): void;
  reject(e: ExecError): void;
  /** The helper running it: a dying helper fails only its own commands. */
  child: ChildProcess;
}

class Helper {
  private child?: ChildProcess;
  private broken = false;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private buf = '';

  run(cmd: string, args: string[], o: ExecOptions): Promise<ExecResult> {
    const child = this.ensure();
    if (!child) return direct(cmd, args, o);
    const id = this.nextId++;
    return new Promise<ExecResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, child });
      this.hold(true);
      child.stdin!.write(`${JSON.stringify({ id, cmd, args, timeout: o.timeout ?? 0, killSignal: o.killSignal ?? 'SIGTERM', maxBuffer: o.maxBuffer ?? 1024 * 1024, env: o.env ?? process.env })}\n`);
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private ensure(): ChildProcess | undefined {
    if (this.child) return this.child;
    if (this.broken) return undefined;
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['--max-old-space-size=64', '-e', HELPER], { stdio: ['pipe', 'pipe', 'inherit'], env: {} });
    } catch {
      this.broken = true;
      return undefined;
    }
    this.child = child;
    this.buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => this.receive(d));
    // An unwritable stdin is the helper gone: 'close' fails what it held.
    child.stdin!.on('error', () => {});
    child.on('error', () => {
      // Never started (no node binary at execPath?): run commands directly from now on.
      if (this.child === child) this.child = undefined;
      this.broken = true;
      this.failAll(child, new Error('the command helper could not be started'));
    });
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.failAll(child, new Error(`the command helper exited (${signal ?? code}) while running the command`));
    });
    this.hold(false);
    return child;
  }

  private receive(d: string) {
    this.buf += d;
    for (let i: number; (i = this.buf.indexOf('\n')) >= 0; ) {
      let r: Reply;
      try {
        r = JSON.parse(this.buf.slice(0, i)) as Reply;
      } catch {
        continue; // not the helper's (nothing else writes there)
      } finally {
        this.buf = this.buf.slice(i + 1);
      }
      const p = this.pending.get(r.id);
      if (!p) continue;
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.hold(false);
      if (!r.error) p.resolve({ stdout: r.stdout, stderr: r.stderr });
      else p.reject(Object.assign(new Error(r.error.message), { code: r.error.code, killed: r.error.killed, signal: r.error.signal, stdout: r.stdout, stderr: r.stderr }));
    }
  }

  /** The helper keeps the caller's process alive only while it runs something. */
  private hold(on: boolean) {
    const c = this.child;
    if (!c) return;
    for (const h of [c, c.stdin, c.stdout] as { ref?(): void; unref?(): void }[]) (on ? h.ref : h.unref)?.call(h);
  }

  private failAll(child: ChildProcess, e: Error) {
    for (const [id, p] of this.pending) {
      if (p.child !== child) continue;
      this.pending.delete(id);
      p.reject(e);
    }
    if (this.pending.size === 0) this.hold(false);
  }
}

function direct(cmd: string, args: string[], o: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: o.timeout, killSignal: o.killSignal, maxBuffer: o.maxBuffer, env: o.env, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

const helper = new Helper();

/** execFile (utf8 output) through the helper process: resolves with the output, rejects as execFile does. */
export function execFileHelped(cmd: string, args: string[], o: ExecOptions = {}): Promise<ExecResult> {
  return helper.run(cmd, args, o);
}

/** The helper's process id while one runs (for tests). */
export const execHelperPid = () => helper.pid;
