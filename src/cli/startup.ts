// What a starting server has started, as a stack of disposers: if a later step fails (or the start
// is interrupted) unwind() stops everything already started, newest first, and the same stack stops
// the running server on SIGINT/SIGTERM. Each disposer is bounded in time (see bounded() in
// forced-exit.ts): one that fails or overruns is logged and the others still run, and the error
// that made start-up fail is the one the caller rethrows.

import { bounded } from './forced-exit.js';

type Warn = (msg: string, fields: Record<string, unknown>) => void;

interface Disposer {
  name: string;
  timeoutMs: number;
  stop: () => Promise<unknown>;
  /** Consecutive disposers of one group stop together (in parallel). */
  group?: string;
}

/** Thrown by check() once the start-up was interrupted (abort()). */
export class StartupAborted extends Error {
  constructor(reason: string) {
    super(`start-up interrupted (${reason})`);
  }
}

export class Startup {
  private disposers: Disposer[] = [];
  private controller = new AbortController();
  private unwinding?: Promise<void>;

  constructor(private warn: Warn) {}

  /** Aborted when the start-up is interrupted (a SIGINT while starting). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Interrupt the start-up: check() throws from now on, and race() rejects at once. */
  abort(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new StartupAborted(reason));
  }

  /** Throws if the start-up was interrupted; call between steps. */
  check(): void {
    if (this.controller.signal.aborted) throw this.controller.signal.reason;
  }

  /** A step's promise, rejected as soon as the start-up is interrupted. */
  race<T>(p: Promise<T>): Promise<T> {
    this.check();
    const signal = this.controller.signal;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Record what stops a started part; it runs for at most timeoutMs when unwinding. */
  add(name: string, timeoutMs: number, stop: () => Promise<unknown>, opts: { group?: string } = {}): void {
    this.disposers.push({ name, timeoutMs, stop, group: opts.group });
  }

  /** Names of the parts to stop, newest first. */
  get names(): string[] {
    return this.disposers.map((d) => d.name).reverse();
  }

  /** Stop everything added, newest first (a run of one group in parallel); never throws. Idempotent. */
  unwind(): Promise<void> {
    this.unwinding ??= (async () => {
      while (this.disposers.length > 0) {
        const last = this.disposers.pop()!;
        const batch = [last];
        while (last.group !== undefined && this.disposers.at(-1)?.group === last.group) batch.push(this.disposers.pop()!);
        await Promise.all(batch.map((d) => bounded(d.name, d.timeoutMs, d.stop, this.warn)));
      }
    })();
    return this.unwinding;
  }

  /** Run fn; if it throws, unwind what was started and rethrow fn's error. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      await this.unwind();
      throw e;
    }
  }
}
