// A supervised component process: `gifee server` runs the controller manager and the scheduler in a
// child process of its own, so they use the machine's other core, and a stall in the API server
// (a huge list, a slow patch) cannot starve their lease renewals, nor a stall in them the API. The
// child is restarted with back-off if it dies (kill -9 included) and catches up from the API by
// itself, as any client would. It speaks to its parent over Node's IPC channel only to start,
// report readiness, hand over its metrics for the server's /metrics page and stop.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import type { MetricFamily } from '../util/metrics-merge.js';

const restarts = metrics.counter('gifee_component_restarts_total', 'Restarts of supervised component processes after they died.');

/** Messages between a server and its component process. */
export type ToChild = { type: 'start'; config: unknown } | { type: 'update'; config: unknown } | { type: 'metrics'; id: number } | { type: 'stop' };
export type FromChild = { type: 'ready' } | { type: 'metrics'; id: number; families: MetricFamily[] } | { type: 'failed'; error: string };

export interface SupervisorOptions {
  /** Names the process in logs and metrics ("controller-manager"). */
  name: string;
  /** The gifee command the child runs (an internal one). */
  command: string;
  /** Sent to the child as its start message (credentials never go on a command line). */
  config: unknown;
  log: Logger;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

// The CLI entry beside this file, compiled or (under tsx) source; debugger flags are not passed on
// (two processes cannot share an inspector port).
const entry = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './main.ts' : './main.js', import.meta.url));
const childExecArgv = () => process.execArgv.filter((a) => !a.startsWith('--inspect') && !a.startsWith('--cpu-prof') && !a.startsWith('--heap-prof'));

export class Supervisor {
  private child?: ChildProcess;
  private stopping = false;
  private backoffMs: number;
  private startedAt = 0;
  private restartTimer?: NodeJS.Timeout;
  private seq = 0;
  private pendingMetrics = new Map<number, (f: MetricFamily[]) => void>();

  constructor(private o: SupervisorOptions) {
    this.backoffMs = o.minBackoffMs ?? 500;
  }

  get pid() {
    return this.child?.pid;
  }

  /** Starts the child and resolves once it reports ready (rejects if the first start fails). */
  start(): Promise<void> {
    return new Promise((resolve, reject) => this.spawn({ resolve, reject }));
  }

  private spawn(first?: { resolve(): void; reject(e: Error): void }) {
    // The name as an argument too, so `ps` tells the component processes apart.
    const child = fork(entry, [this.o.command, this.o.name], { execArgv: childExecArgv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.child = child;
    this.startedAt = Date.now();
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') {
        this.o.log.info('component process ready', { component: this.o.name, pid: child.pid });
        first?.resolve();
        first = undefined;
      } else if (m.type === 'failed') {
        first?.reject(new Error(m.error));
        first = undefined;
      } else if (m.type === 'metrics') {
        this.pendingMetrics.get(m.id)?.(m.families);
        this.pendingMetrics.delete(m.id);
      }
    });
    child.on('error', (e) => this.o.log.warn('component process error', { component: this.o.name, err: e }));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      for (const done of this.pendingMetrics.values()) done([]);
      this.pendingMetrics.clear();
      if (first) {
        first.reject(new Error(`the ${this.o.name} process exited before it was ready (code ${code}, signal ${signal})`));
        return;
      }
      if (this.stopping) return;
      // A child that ran for a minute was healthy: its next failure starts the back-off anew.
      if (Date.now() - this.startedAt > 60_000) this.backoffMs = this.o.minBackoffMs ?? 500;
      restarts.inc({ component: this.o.name });
      this.o.log.warn('component process died; restarting', { component: this.o.name, code, signal, restartInMs: this.backoffMs });
      this.restartTimer = setTimeout(() => this.spawn(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 30_000);
    });
    child.send({ type: 'start', config: this.o.config } satisfies ToChild);
  }

  /** New settings (renewed certificates): the running child is told, and a restarted one starts with them. */
  update(config: unknown) {
    this.o.config = config;
    const child = this.child;
    if (!child?.connected) return;
    try {
      child.send({ type: 'update', config } satisfies ToChild);
    } catch (e) {
      // Gone meanwhile: its restart starts with the new settings.
      this.o.log.warn('could not send renewed settings to a component process', { component: this.o.name, err: (e as Error).message });
    }
  }

  /** The child's metric families, or none if it does not answer within timeoutMs. */
  families(timeoutMs = 2000): Promise<MetricFamily[]> {
    const child = this.child;
    if (!child?.connected) return Promise.resolve([]);
    const id = ++this.seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingMetrics.delete(id);
        resolve([]);
      }, timeoutMs);
      this.pendingMetrics.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
      try {
        child.send({ type: 'metrics', id } satisfies ToChild);
      } catch {
        this.pendingMetrics.delete(id);
        clearTimeout(timer);
        resolve([]);
      }
    });
  }

  /** Asks the child to stop cleanly (release its leases), killing it after timeoutMs. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      child.send({ type: 'stop' } satisfies ToChild);
    } catch {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }
}
