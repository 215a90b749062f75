// The `process` runtime, for machines where the agent has no root: a container is a plain host
// process running the image's program (found in the image's extracted layers) with the container's
// arguments, environment and working directory. No isolation at all: no namespaces, no cgroups, no
// mounts (volumes are not visible), the host's network (pod IP = node IP). The agent says so at start.
// Processes are the agent's children: an agent restart stops them and the pods start them again.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { isAbsolute, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Logger } from '../../util/log.js';
import { CriLogWriter } from '../logs/cri-log-writer.js';
import { EarlyOutput } from './early-output.js';
import type { ExecOptions, ExecSession } from '../streams/target.js';
import type { ContainerConfig, ContainerInfo, Runtime, RuntimeCapabilities, Sandbox, SandboxConfig } from './types.js';
import { logFailureOnce } from '../../util/best-effort.js';

interface Proc {
  info: ContainerInfo;
  cfg: ContainerConfig;
  child?: ChildProcess;
  writer?: CriLogWriter;
  /** An interactive container's output until its first attach (early-output.ts). */
  early?: EarlyOutput;
  exited: Promise<ContainerInfo>;
  resolveExit: (i: ContainerInfo) => void;
  killedBy?: string;
}

/** Finds a command in the image: an absolute path inside the layers (topmost first), else PATH lookup there. */
export function resolveInLayers(cmd: string, layers: string[], path: string): string | undefined {
  const top = [...layers].reverse();
  const candidates = isAbsolute(cmd)
    ? [cmd]
    : cmd.includes('/')
      ? []
      : path
          .split(':')
          .filter(Boolean)
          .map((d) => join(d, cmd));
  for (const c of candidates) for (const l of top) if (existsSync(join(l, c))) return join(l, c);
  return undefined;
}

export class ProcessRuntime implements Runtime {
  readonly name = 'process' as const;
  readonly capabilities: RuntimeCapabilities = { isolation: false, podNetwork: false, cgroups: false, oomScoreAdj: false };
  private procs = new Map<string, Proc>();

  constructor(
    private dataDir: string,
    private log: Logger,
  ) {}

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    await mkdir(cfg.dir, { recursive: true });
    return { podUid: cfg.podUid, dir: cfg.dir, hostNetwork: true };
  }

  async removeSandbox(): Promise<void> {}

  async createContainer(_sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo> {
    const dir = join(this.dataDir, 'containers', cfg.id);
    await mkdir(dir, { recursive: true });
    let resolveExit!: (i: ContainerInfo) => void;
    const exited = new Promise<ContainerInfo>((r) => (resolveExit = r));
    const info: ContainerInfo = { id: cfg.id, podUid: cfg.podUid, name: cfg.name, state: 'created', logPath: cfg.logPath };
    this.procs.set(cfg.id, { info, cfg, exited, resolveExit });
    return info;
  }

  private envPath(cfg: ContainerConfig) {
    return cfg.env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  }

  async start(id: string): Promise<ContainerInfo> {
    const p = this.mustGet(id);
    const { cfg, info } = p;
    const program = resolveInLayers(cfg.args[0], cfg.layers, this.envPath(cfg));
    const finish = (code: number, err?: string) => {
      if (info.state === 'exited') return;
      info.state = 'exited';
      info.exitCode = code;
      info.finishedAt = new Date().toISOString();
      if (err) info.startError = err;
      void (p.writer?.drained() ?? Promise.resolve()).then(() => p.resolveExit(info));
    };
    info.startedAt = new Date().toISOString();
    if (!program) {
      finish(128, `exec: "${cfg.args[0]}": executable file not found in the image`);
      return info;
    }
    const cwd = join(this.dataDir, 'containers', id, 'cwd');
    await mkdir(cwd, { recursive: true });
    const env = Object.fromEntries(cfg.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    // argv[0] stays the name the image asked for (busybox picks its applet by it).
    const child = spawn(program, cfg.args.slice(1), { argv0: cfg.args[0], cwd, env, stdio: [cfg.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    p.child = child;
    if (cfg.stdin) p.early = new EarlyOutput();
    p.writer = new CriLogWriter(cfg.logPath, undefined, (stream, data) => p.early?.add(stream, data));
    p.writer.pump(child.stdout!, 'stdout');
    p.writer.pump(child.stderr!, 'stderr');
    child.once('error', (e) => finish(128, e.message));
    child.once('exit', (code, signal) => finish(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1)));
    await new Promise<void>((r) => {
      child.once('spawn', () => r());
      child.once('error', () => r());
    });
    if (info.state !== 'exited') {
      info.state = 'running';
      info.pid = child.pid;
      // Remembered so a restarted agent can stop what the previous one left running.
      await writeFile(join(this.dataDir, 'containers', id, 'pid'), String(child.pid)).catch(logFailureOnce(this.log, 'recording the pid of a container (a restarted agent cannot stop it)', { id }));
    }
    return info;
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    const p = this.procs.get(id);
    if (!p?.child || p.info.state !== 'running') return;
    p.child.kill('SIGTERM');
    const done = await Promise.race([p.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceSeconds * 1000).unref())]);
    if (!done) p.child.kill('SIGKILL');
    await p.exited;
  }

  async remove(id: string): Promise<void> {
    const p = this.procs.get(id);
    if (p?.info.state === 'running') await this.stop(id, 0);
    await rm(join(this.dataDir, 'containers', id), { recursive: true, force: true });
    this.procs.delete(id);
  }

  status(id: string) {
    return this.procs.get(id)?.info;
  }

  list() {
    return [...this.procs.values()].map((p) => p.info);
  }

  waitExit(id: string) {
    return this.mustGet(id).exited;
  }

  async exec(id: string, command: string[], opts: ExecOptions): Promise<ExecSession> {
    const p = this.mustGet(id);
    if (p.info.state !== 'running') throw new Error(`container ${p.info.name} is not running`);
    const program = resolveInLayers(command[0], p.cfg.layers, this.envPath(p.cfg)) ?? command[0];
    const env = Object.fromEntries(p.cfg.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const child = spawn(program, command.slice(1), { argv0: command[0], cwd: join(this.dataDir, 'containers', id, 'cwd'), env, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const stdout = child.stdout!.pipe(new PassThrough());
    const stderr = child.stderr!.pipe(new PassThrough());
    const exited = new Promise<{ exitCode: number }>((resolve) => {
      child.once('error', () => resolve({ exitCode: 126 }));
      child.once('exit', (code) => resolve({ exitCode: code ?? 137 }));
    });
    return { stdin: child.stdin ?? undefined, stdout, stderr, resize: () => undefined, exited, kill: () => child.kill('SIGKILL') };
  }

  async attach(id: string, opts: ExecOptions): Promise<ExecSession> {
    const p = this.mustGet(id);
    if (!p.child || p.info.state !== 'running') throw new Error(`container ${p.info.name} is not running`);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const onOut = (d: Buffer) => stdout.write(d);
    const onErr = (d: Buffer) => stderr.write(d);
    // The first attach of an interactive container starts with what it wrote before.
    const early = p.early;
    p.early = undefined;
    early?.replay((stream, d) => (stream === 'stderr' ? onErr : onOut)(d));
    p.child.stdout!.on('data', onOut);
    p.child.stderr!.on('data', onErr);
    const detach = () => {
      p.child?.stdout?.off('data', onOut);
      p.child?.stderr?.off('data', onErr);
      stdout.end();
      stderr.end();
    };
    const exited = p.exited.then((i) => {
      detach();
      return { exitCode: i.exitCode ?? 0 };
    });
    return { stdin: opts.stdin ? (p.child.stdin ?? undefined) : undefined, stdout, stderr, resize: () => undefined, exited, kill: detach };
  }

  /** Nothing is re-adopted: what a previous agent left running is stopped, and its pods start it again. */
  async recover(): Promise<void> {
    const dir = join(this.dataDir, 'containers');
    for (const id of await readdir(dir).catch(() => [] as string[])) {
      const pid = Number(await readFile(join(dir, id, 'pid'), 'utf8').catch(() => '0'));
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
          this.log.info('stopped a process the previous agent left', { id, pid });
        } catch {
          /* already gone */
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
  }

  private mustGet(id: string): Proc {
    const p = this.procs.get(id);
    if (!p) throw new Error(`no container ${id}`);
    return p;
  }
}

/** For port-forward without network namespaces: the pod's ports are the host's. */
export function connectHostPort(port: number): net.Socket {
  return net.connect({ host: '127.0.0.1', port });
}
