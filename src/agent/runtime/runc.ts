// The runc runtime: each container is an OCI bundle the agent writes (overlayfs rootfs over the
// image's extracted layers, config.json from oci-spec.ts) run by `runc run --keep` under a tiny
// /bin/sh wrapper that records runc's exit status in a file. The wrapper is started in its own
// session, so containers outlive an agent restart; the agent then re-adopts them from disk.
//
// Output goes through two named pipes the container holds open read-write (so it never gets
// SIGPIPE while no agent reads); the agent pumps them into CRI-format log files.

import { spawn, type ChildProcess } from 'node:child_process';
import { constants, existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile, rename } from 'node:fs/promises';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import type { Logger } from '../../util/log.js';
import { EarlyOutput } from './early-output.js';
import { CriLogWriter } from '../logs/cri-log-writer.js';
import type { ExecOptions, ExecSession } from '../streams/target.js';
import { buildSpec } from './oci-spec.js';
import { mountOverlay, unmount, removeCgroups } from './host.js';
import { setPodPidsLimit } from './pod-pids-limit.js';
import { createNamespacesIn, lockedMountFlags, makeTraversable, shiftOwnership } from './userns.js';
import type { ContainerConfig, ContainerInfo, Runtime, RuntimeCapabilities, Sandbox, SandboxConfig } from './types.js';
import { type ExecOptions as CommandOptions, execFileHelped } from '../../util/exec-helper.js';
import { errorText, ignoreError, ignoreIf, logFailureOnce } from '../../util/best-effort.js';

// Through the helper process: the agent's loop does not stop for each fork (util/exec-helper.ts).
const run = (cmd: string, args: string[], o?: CommandOptions) => execFileHelped(cmd, args, o);

interface Tracked {
  info: ContainerInfo & { tty?: boolean; stdin?: boolean };
  dir: string;
  /** Attached clients: each gets the container's output as it is written. */
  taps: Set<(stream: 'stdout' | 'stderr', data: Buffer) => void>;
  /** An interactive container's output until its first attach (early-output.ts). */
  early?: EarlyOutput;
  child?: ChildProcess;
  writer?: CriLogWriter;
  exited: Promise<ContainerInfo>;
  resolveExit: (i: ContainerInfo) => void;
  poll?: NodeJS.Timeout;
  /** The read ends of its stdout and stderr fifos, pumped into the log. */
  pipes?: net.Socket[];
}

export class RuncRuntime implements Runtime {
  readonly name = 'runc' as const;
  readonly capabilities: RuntimeCapabilities = { isolation: true, podNetwork: true, cgroups: true, oomScoreAdj: true };
  private readonly root: string;
  private readonly containersDir: string;
  private tracked = new Map<string, Tracked>();

  /** cgroupParent: the cgroup under which pods get their own ("gifee" -> /sys/fs/cgroup/<ctl>/gifee/pod<uid>/<id>). */
  constructor(
    dataDir: string,
    private log: Logger,
    private cgroupParent = 'gifee',
  ) {
    this.root = join(dataDir, 'runc');
    this.containersDir = join(dataDir, 'containers');
  }

  private runc(args: string[]) {
    return run('runc', ['--root', this.root, ...args], { maxBuffer: 16 * 1024 * 1024 });
  }

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    const ns = join(cfg.dir, 'ns');
    await mkdir(ns, { recursive: true });
    const utsPath = join(ns, 'uts');
    const ipcPath = join(ns, 'ipc');
    if (cfg.userNs) {
      // Owned by the pod's user namespace, so the containers' root may mount mqueue (runtime/userns.ts).
      await createNamespacesIn(cfg.userNs.path, { uts: utsPath, ipc: ipcPath }, cfg.hostname);
    } else if (!(await isNsMounted(utsPath))) {
      await writeFile(utsPath, '');
      await writeFile(ipcPath, '');
      // Persistent uts and ipc namespaces bound to files: the pod's containers join them, so they share
      // a hostname and SysV IPC the way a pause container would give them, without a process to keep.
      await run('unshare', [`--uts=${utsPath}`, `--ipc=${ipcPath}`, 'hostname', cfg.hostname.slice(0, 63)]);
    }
    // Before any container exists: the limit then covers every process the pod ever forks.
    if (cfg.pidsLimit !== undefined) await setPodPidsLimit(this.cgroupParent, cfg.podUid, cfg.pidsLimit);
    return { podUid: cfg.podUid, dir: cfg.dir, netnsPath: cfg.netnsPath, hostNetwork: cfg.hostNetwork, utsPath, ipcPath, ...(cfg.userNs ? { userNs: cfg.userNs } : {}) };
  }

  async removeSandbox(sandbox: Sandbox): Promise<void> {
    for (const p of [sandbox.utsPath, sandbox.ipcPath, sandbox.userNs?.path ?? join(sandbox.dir, 'ns', 'user')]) if (p) await unmount(p);
    await removeCgroups(`${this.cgroupParent}/pod${sandbox.podUid}`);
  }

  private cgroupsPath(podUid: string, id: string) {
    return `/${this.cgroupParent}/pod${podUid}/${id}`;
  }

  writableLayer(id: string): string {
    return join(this.containersDir, id, 'upper');
  }

  async createContainer(sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo> {
    const dir = join(this.containersDir, cfg.id);
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, 'rootfs'), { recursive: true });
    await mkdir(join(dir, 'upper'));
    await mkdir(join(dir, 'work'));
    // hostUsers: false: metacopy=on, so the shift below copies up only the files' metadata, not their data.
    await mountOverlay(cfg.layers, join(dir, 'upper'), join(dir, 'work'), join(dir, 'rootfs'), sandbox.userNs ? ['metacopy=on'] : []);
    if (sandbox.userNs) {
      // No idmapped mounts in runc 1.1: the rootfs is shifted through the overlay, so every file and
      // directory is copied up (metadata only, metacopy) into this container's upper layer, owned by
      // the pod's range. Measured: 5,686 entries (124 MB, /usr/share/doc) took 7.5 s and 26 MB of upper
      // layer on this 2-core host under load; without metacopy 43 s and a 128 MB copy.
      const started = Date.now();
      const n = await shiftOwnership(join(dir, 'rootfs'), sandbox.userNs);
      this.log.info('rootfs shifted to the pod user namespace range', { id: cfg.id, hostId: sandbox.userNs.hostId, entries: n, ms: Date.now() - started });
      for (const p of [join(dir, 'rootfs', '.'), ...cfg.mounts.map((m) => m.source)]) await makeTraversable(p);
    }
    // Mount points for bind mounts of files (/etc/hosts...) must exist as files, directories as dirs.
    const spec = buildSpec(cfg, sandbox, this.cgroupsPath(cfg.podUid, cfg.id));
    if (sandbox.userNs) {
      // A bind mount's read-only remount in the user namespace must keep its source's locked flags.
      for (const m of spec.mounts as { type: string; source: string; options: string[] }[]) if (m.type === 'bind') m.options.push(...(await lockedMountFlags(m.source)).filter((o) => !m.options.includes(o)));
    }
    await writeFile(join(dir, 'config.json'), JSON.stringify(spec));
    await run('mkfifo', [join(dir, 'stdout'), join(dir, 'stderr'), ...(cfg.stdin ? [join(dir, 'stdin')] : [])]);
    const info: ContainerInfo & { tty?: boolean; stdin?: boolean } = { id: cfg.id, podUid: cfg.podUid, name: cfg.name, state: 'created', logPath: cfg.logPath, tty: cfg.tty, stdin: cfg.stdin };
    await this.saveMeta(dir, info);
    const t = this.track(info, dir);
    if (cfg.stdin) t.early = new EarlyOutput();
    return info;
  }

  private track(info: ContainerInfo, dir: string): Tracked {
    let resolveExit!: (i: ContainerInfo) => void;
    const exited = new Promise<ContainerInfo>((r) => (resolveExit = r));
    const t: Tracked = { info, dir, exited, resolveExit, taps: new Set() };
    this.tracked.set(info.id, t);
    return t;
  }

  private async saveMeta(dir: string, info: ContainerInfo) {
    const tmp = join(dir, `meta.json.${process.hrtime.bigint()}`);
    await writeFile(tmp, JSON.stringify(info));
    await rename(tmp, join(dir, 'meta.json'));
  }

  /** Pump the container's pipes into its log file (again after an agent restart). */
  private attachLogs(t: Tracked) {
    t.writer = new CriLogWriter(t.info.logPath, undefined, (stream, data) => {
      t.early?.add(stream, data);
      for (const tap of t.taps) tap(stream, data);
    });
    t.pipes = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const fd = openSync(join(t.dir, stream), constants.O_RDONLY | constants.O_NONBLOCK);
      const sock = new net.Socket({ fd, readable: true, writable: false });
      t.pipes.push(sock);
      t.writer.pump(sock, stream);
    }
  }

  /**
   * The agent is stopping; its containers go on (the next agent adopts them: recover()). Let go of
   * what would keep this process alive: the shims this agent started, the log pumps (output waits in
   * the fifos for the next agent) and the polls. Without it a SIGTERM'd agent that had started a
   * container never exited.
   */
  release() {
    for (const t of this.tracked.values()) {
      clearInterval(t.poll);
      t.child?.unref();
      for (const p of t.pipes ?? []) p.destroy();
      void t.writer?.drained();
    }
  }

  async start(id: string): Promise<ContainerInfo> {
    const t = this.mustGet(id);
    const dir = t.dir;
    // Write ends opened read-write: opening does not block, and the container keeps a reader alive.
    const out = openSync(join(dir, 'stdout'), constants.O_RDWR);
    const err = openSync(join(dir, 'stderr'), constants.O_RDWR);
    // stdin: the container holds its pipe read-write too, so it waits for input instead of seeing EOF
    // while nobody is attached (it never gets EOF: stdinOnce is not supported).
    const inp = t.info.stdin ? openSync(join(dir, 'stdin'), constants.O_RDWR) : 'ignore';
    const runc = 'runc --root "$1" --log "$2/runc.log" --log-format json run --keep --no-new-keyring --pid-file "$2/pid" --bundle "$2" "$3"';
    // A TTY container: runc wants a controlling terminal when it runs in the foreground; script(1) gives it one.
    const fg = t.info.tty ? `script -qfec "${runc.replace(/"/g, "'")}" /dev/null` : runc;
    const script = `${fg}; echo $? > "$2/exit.tmp"; mv "$2/exit.tmp" "$2/exit"`;
    const child = spawn('/bin/sh', ['-c', script, 'gifee-shim', this.root, dir, id], { detached: true, stdio: [inp, out, err] });
    closeSync(out);
    closeSync(err);
    if (typeof inp === 'number') closeSync(inp);
    t.child = child;
    t.info.startedAt = new Date().toISOString();
    this.attachLogs(t);
    child.once('exit', () => void this.reap(t));
    // Running once runc has written the pid file; or failed if the shim already finished.
    for (let i = 0; i < 3000; i++) {
      if (existsSync(join(dir, 'pid'))) {
        t.info.state = 'running';
        t.info.pid = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => '0')) || undefined;
        t.info.startedAt = new Date().toISOString();
        await this.saveMeta(dir, { ...t.info, shimPid: child.pid } as ContainerInfo);
        return t.info;
      }
      if (t.info.state === 'exited') return t.info;
      await new Promise((r) => setTimeout(r, i < 100 ? 5 : 20));
    }
    return t.info;
  }

  /** The shim finished: read the exit status and OOM flag, then free runc's container and the rootfs. */
  private async reap(t: Tracked) {
    if (t.info.state === 'exited') return;
    clearInterval(t.poll);
    const dir = t.dir;
    const code = Number((await readFile(join(dir, 'exit'), 'utf8').catch(() => '255')).trim());
    const started = existsSync(join(dir, 'pid'));
    t.info.exitCode = Number.isFinite(code) ? code : 255;
    t.info.finishedAt = new Date().toISOString();
    t.info.oomKilled = code === 137 && (await oomKills(this.cgroupsPath(t.info.podUid, t.info.id))) > 0;
    if (!started || code === 255 || code === 127 || code === 126) {
      const err = await runcError(join(dir, 'runc.log'));
      if (err) t.info.startError = err;
      if (!started && t.info.exitCode === 0) t.info.exitCode = 128;
    }
    await this.runc(['delete', '--force', t.info.id]).catch(unlessGone(this.log, 'runc delete', { id: t.info.id }));
    await unmount(join(dir, 'rootfs'));
    // Exited only once its output is all in the log file: an attach refused from now on falls
    // back to the logs (kubectl run -i does), which must then hold everything.
    await t.writer?.drained();
    t.info.state = 'exited';
    await this.saveMeta(dir, t.info).catch(logFailureOnce(this.log, 'saving the exited state of a container', { id: t.info.id }));
    t.resolveExit(t.info);
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const t = this.tracked.get(id);
    if (t?.info.state !== 'running') return;
    await this.runc(['kill', id, 'TERM']).catch(ignoreError('the container may have exited already: KILL below and the wait for its exit cover the rest'));
    const killed = await Promise.race([t.exited.then(() => true), delay(Math.max(0, graceSeconds) * 1000).then(() => false)]);
    if (!killed) await this.runc(['kill', '--all', id, 'KILL']).catch(unlessGone(this.log, 'killing a container', { id }));
    await Promise.race([t.exited, delay(10_000)]);
  }

  async remove(id: string): Promise<void> {
    const t = this.tracked.get(id);
    if (t?.info.state === 'running') await this.stop(id, 0);
    clearInterval(t?.poll);
    await this.runc(['delete', '--force', id]).catch(unlessGone(this.log, 'runc delete', { id }));
    const dir = join(this.containersDir, id);
    await unmount(join(dir, 'rootfs'));
    await rm(dir, { recursive: true, force: true });
    this.tracked.delete(id);
  }

  status(id: string) {
    return this.tracked.get(id)?.info;
  }

  list() {
    return [...this.tracked.values()].map((t) => t.info);
  }

  waitExit(id: string): Promise<ContainerInfo> {
    return this.mustGet(id).exited;
  }

  private mustGet(id: string): Tracked {
    const t = this.tracked.get(id);
    if (!t) throw new Error(`no container ${id}`);
    return t;
  }

  async exec(id: string, command: string[], opts: ExecOptions): Promise<ExecSession> {
    const t = this.mustGet(id);
    if (t.info.state !== 'running') throw new Error(`container ${t.info.name} is not running`);
    const args = ['--root', this.root, 'exec', ...(opts.tty ? ['--tty'] : []), id, ...command];
    // With a TTY, runc needs a controlling terminal of its own: script(1) provides it.
    const child = opts.tty ? spawn('script', ['-qfec', ['runc', ...args].map(shellQuote).join(' '), '/dev/null'], { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] }) : spawn('runc', args, { stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const exited = new Promise<{ exitCode: number }>((resolve) => {
      child.once('error', () => resolve({ exitCode: 126 }));
      child.once('exit', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 + (osSignals[signal] ?? 9) : 1) }));
    });
    // Buffered: a stream protocol may connect its output only after a short command already exited.
    const stdout = child.stdout!.pipe(new PassThrough());
    const stderr = opts.tty ? undefined : child.stderr!.pipe(new PassThrough());
    if (opts.tty) child.stderr!.pipe(stdout, { end: false });
    return {
      stdin: child.stdin ?? undefined,
      stdout,
      stderr,
      resize: () => undefined, // runc's foreground tty takes its size from its own terminal; we have none
      exited,
      kill: () => child.kill('SIGKILL'),
    };
  }

  /** Connect to a running container's own stdio: its output from now on, and its stdin if it has one. */
  async attach(id: string, opts: ExecOptions): Promise<ExecSession> {
    const t = this.mustGet(id);
    if (t.info.state !== 'running') throw new Error(`container ${t.info.name} is not running`);
    const stdout = new PassThrough();
    const stderr = t.info.tty ? undefined : new PassThrough();
    const tap = (stream: 'stdout' | 'stderr', data: Buffer) => (stream === 'stderr' && stderr ? stderr : stdout).write(data);
    // The first attach of an interactive container starts with what it wrote before (nothing arrives in between: one thread).
    const early = t.early;
    t.early = undefined;
    early?.replay(tap);
    t.taps.add(tap);
    let stdin: net.Socket | undefined;
    if (opts.stdin && t.info.stdin) {
      // The container holds a reader, so a non-blocking open for writing succeeds.
      try {
        const fd = openSync(join(t.dir, 'stdin'), constants.O_WRONLY | constants.O_NONBLOCK);
        stdin = new net.Socket({ fd, readable: false, writable: true });
        stdin.on('error', () => undefined);
      } catch {
        // ENXIO: the container just exited and holds no reader any more; attach without stdin.
      }
    }
    const detach = () => {
      t.taps.delete(tap);
      stdout.end();
      stderr?.end();
      stdin?.destroy();
    };
    const exited = t.exited.then((i) => {
      detach();
      return { exitCode: i.exitCode ?? 0 };
    });
    return { stdin, stdout, stderr, resize: () => undefined, exited, kill: detach };
  }

  /** Re-adopt containers a previous agent run left: running ones keep running and are watched again. */
  async recover(): Promise<void> {
    const ids = await readdir(this.containersDir).catch(() => [] as string[]);
    for (const id of ids) {
      const dir = join(this.containersDir, id);
      const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8').catch(() => 'null')) as (ContainerInfo & { shimPid?: number }) | null;
      if (!meta) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      const t = this.track(meta, dir);
      if (meta.state === 'running') {
        if (existsSync(join(dir, 'exit'))) {
          void this.reap(t);
          continue;
        }
        this.attachLogs(t);
        // Not our child any more: watch for the shim's exit file.
        t.poll = setInterval(() => {
          if (existsSync(join(dir, 'exit'))) void this.reap(t);
        }, 500);
        t.poll.unref();
        this.log.info('re-adopted running container', { id, pod: meta.podUid, container: meta.name });
      } else if (meta.state === 'exited') {
        t.resolveExit(meta);
      }
    }
  }
}

/** For a runc kill or delete: silent when the container is gone or stopped already (what the step wanted), logged once otherwise. */
const unlessGone = (log: Logger, what: string, fields: Record<string, unknown>) => ignoreIf((e) => /does not exist|not running|not found/i.test(errorText(e)), logFailureOnce(log, what, fields));

/** A timer that does not keep the process alive. */
const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

const shellQuote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

const osSignals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };

async function isNsMounted(path: string): Promise<boolean> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  return mounts.includes(` ${path} `);
}

/** The kernel's OOM kill count for a container's memory cgroup (cgroup v1 or v2). */
async function oomKills(cgroupsPath: string): Promise<number> {
  for (const f of [`/sys/fs/cgroup/memory${cgroupsPath}/memory.oom_control`, `/sys/fs/cgroup${cgroupsPath}/memory.events`]) {
    const text = await readFile(f, 'utf8').catch(() => '');
    const m = /oom_kill (\d+)/.exec(text);
    if (m) return Number(m[1]);
  }
  return 0;
}

/** The last error runc logged ("exec: \"nope\": executable file not found in $PATH"). */
async function runcError(logFile: string): Promise<string | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  let msg: string | undefined;
  for (const line of text.split('\n')) {
    try {
      const l = JSON.parse(line) as { level?: string; msg?: string };
      if (l.level === 'error' && l.msg) msg = l.msg;
    } catch {
      /* not JSON */
    }
  }
  return msg?.replace(/^runc run failed: /, '');
}
