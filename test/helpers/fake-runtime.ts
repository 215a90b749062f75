// A container runtime that runs nothing: it implements the runtime contract (src/agent/runtime/types.ts)
// in memory, logs every call, and lets a test decide how containers end (exit codes per start, a
// manual exit) and what exec'd commands return (probes, preStop hooks). For unit tests of the pod
// worker; never imported by production code. As with runc and the process runtime, the ContainerInfo
// a call returns is the container's live record: later changes (running, exited) show in it.

import { PassThrough } from 'node:stream';
import type { ExecOptions, ExecSession } from '../../src/agent/streams/target.js';
import type { ContainerConfig, ContainerInfo, Runtime, Sandbox, SandboxConfig } from '../../src/agent/runtime/types.js';

interface FakeContainer {
  info: ContainerInfo;
  config: ContainerConfig;
  waiters: ((i: ContainerInfo) => void)[];
}

export interface FakeCall {
  /** createContainer, start, stop, remove, exec, createSandbox, removeSandbox. */
  op: string;
  /** The container id (or pod uid for the sandbox calls). */
  id: string;
  /** Container name (createContainer, start). */
  name?: string;
  graceSeconds?: number;
  command?: string[];
  /** Date.now() of the call. */
  at: number;
}

export class FakeRuntime implements Runtime {
  readonly name = 'process';
  readonly capabilities = { isolation: false, podNetwork: false, cgroups: false, oomScoreAdj: false };
  readonly calls: FakeCall[] = [];
  private containers = new Map<string, FakeContainer>();
  /**
   * How each start of a container (by name) ends: an exit code to exit with at once (the next in
   * the list per start), or "run" to keep running until stopped or exit() is called. A container
   * not listed runs.
   */
  readonly script = new Map<string, (number | 'run')[]>();
  /** What exec'd commands exit with (probes, preStop hooks); default 0. */
  execExitCode: (id: string, command: string[]) => number = () => 0;

  calledFor(op: string): FakeCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  /** The container (by id) exits now with this code, as if its process ended. */
  exit(id: string, exitCode: number) {
    const c = this.containers.get(id);
    if (c?.info.state !== 'running') throw new Error(`${id} is not running`);
    this.finish(c, exitCode);
  }

  /** The id of the running (or latest) instance of a container. */
  idOf(name: string): string | undefined {
    const all = [...this.containers.values()].filter((c) => c.info.name === name);
    return (all.find((c) => c.info.state === 'running') ?? all.at(-1))?.info.id;
  }

  private finish(c: FakeContainer, exitCode: number) {
    Object.assign(c.info, { state: 'exited', exitCode, finishedAt: new Date().toISOString() });
    const waiters = c.waiters.splice(0);
    for (const w of waiters) w(c.info);
  }

  private log(op: string, id: string, more: Partial<FakeCall> = {}) {
    this.calls.push({ op, id, at: Date.now(), ...more });
  }

  async createSandbox(cfg: SandboxConfig): Promise<Sandbox> {
    this.log('createSandbox', cfg.podUid);
    return { podUid: cfg.podUid, dir: cfg.dir, hostNetwork: true };
  }

  async removeSandbox(sandbox: Sandbox): Promise<void> {
    this.log('removeSandbox', sandbox.podUid);
  }

  async createContainer(_sandbox: Sandbox, cfg: ContainerConfig): Promise<ContainerInfo> {
    this.log('createContainer', cfg.id, { name: cfg.name });
    const info: ContainerInfo = { id: cfg.id, podUid: cfg.podUid, name: cfg.name, state: 'created', logPath: cfg.logPath };
    this.containers.set(cfg.id, { info, config: cfg, waiters: [] });
    return info;
  }

  async start(id: string): Promise<ContainerInfo> {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no container ${id}`);
    this.log('start', id, { name: c.info.name });
    Object.assign(c.info, { state: 'running', pid: 1000 + this.calls.length, startedAt: new Date().toISOString() });
    const next = this.script.get(c.info.name)?.shift() ?? 'run';
    // Exits "at once": after start has answered, as a real process ends after it was started.
    if (next !== 'run') setImmediate(() => this.finish(c, next));
    return c.info;
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    this.log('stop', id, { graceSeconds });
    const c = this.containers.get(id);
    if (c?.info.state === 'running') this.finish(c, 137);
  }

  async remove(id: string): Promise<void> {
    this.log('remove', id);
    this.containers.delete(id);
  }

  status(id: string): ContainerInfo | undefined {
    return this.containers.get(id)?.info;
  }

  list(): ContainerInfo[] {
    return [...this.containers.values()].map((c) => c.info);
  }

  waitExit(id: string): Promise<ContainerInfo> {
    const c = this.containers.get(id);
    if (!c) return Promise.reject(new Error(`no container ${id}`));
    if (c.info.state === 'exited') return Promise.resolve(c.info);
    return new Promise((resolve) => c.waiters.push(resolve));
  }

  async exec(id: string, command: string[], _opts: ExecOptions): Promise<ExecSession> {
    this.log('exec', id, { command });
    return endedSession(this.execExitCode(id, command));
  }

  async attach(_id: string, _opts: ExecOptions): Promise<ExecSession> {
    return endedSession(0);
  }

  async recover(): Promise<void> {}
}

function endedSession(exitCode: number): ExecSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.end();
  stderr.end();
  return { stdout, stderr, resize() {}, exited: Promise.resolve({ exitCode }), kill() {} };
}
