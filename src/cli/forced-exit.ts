// The forced-exit timer of a shutting-down process, on its own thread. A timer on the main event
// loop fires only when the loop is free, and shutting down a big server can keep it busy (closing
// thousands of sockets, a store checkpoint): that timer once fired two seconds late. This one sleeps
// in a worker thread (Atomics.wait, no event loop at all), then logs and kills the process.

import { Worker } from 'node:worker_threads';

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.ms);
writeSync(2, JSON.stringify({ ts: new Date().toISOString(), level: 'error', component: workerData.component, msg: 'forced exit: shutdown did not finish in time', timeoutMs: workerData.ms }) + '\\n');
process.kill(workerData.pid, 'SIGKILL');
`;

/** Kill this process in ms unless it exits first; the watchdog does not keep the process alive. */
export function armForcedExit(ms: number, component = 'gifee'): { disarm(): void } {
  // No inherited flags: the parent's (--input-type=module, --import tsx...) must not change how this script runs.
  const worker = new Worker(WATCHDOG, { eval: true, execArgv: [], workerData: { ms, pid: process.pid, component } });
  worker.unref();
  worker.once('error', (e) => process.stderr.write(JSON.stringify({ ts: new Date().toISOString(), level: 'error', component, msg: 'forced-exit watchdog failed; a stuck shutdown will not be cut short', err: e.message }) + '\n'));
  return { disarm: () => void worker.terminate() };
}

/** Run one shutdown step for at most ms; a step that overruns is logged and left behind, not awaited. */
export async function bounded(step: string, ms: number, fn: () => Promise<unknown>, warn: (msg: string, fields: Record<string, unknown>) => void): Promise<void> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  try {
    const outcome = await Promise.race([fn().then(() => 'done' as const), late]);
    if (outcome === 'late') warn('shutdown step did not finish in time; moving on', { step, timeoutMs: ms });
  } catch (e) {
    warn('shutdown step failed', { step, err: e instanceof Error ? e.message : String(e), ms: Math.round(performance.now() - started) });
  } finally {
    clearTimeout(timer);
  }
}
