// A process-wide guard for the long-running commands (gifee up/server/agent): an exception nobody
// caught, or a promise rejection nobody handled, is logged and the process carries on. In `gifee up`
// one process is the whole cluster (API server, controllers, node agent); a bug in one request path
// must not take all of it down. Each distinct error is logged once, then at most once a minute with
// how often it recurred, so a client that can trigger one cannot flood the log either.

import type { Logger } from './log.js';

const REPEAT_INTERVAL_MS = 60_000;
/** Distinct errors remembered; beyond this the memory is reset rather than grown. */
const MAX_DISTINCT = 500;

export interface ProcessGuard {
  /** Record an error as the handlers do (exported for tests). */
  report(kind: 'uncaughtException' | 'unhandledRejection', err: unknown): void;
  uninstall(): void;
}

export function installProcessGuard(log: Logger, now: () => number = Date.now): ProcessGuard {
  const seen = new Map<string, { lastLogged: number; suppressed: number }>();
  const report = (kind: 'uncaughtException' | 'unhandledRejection', err: unknown) => {
    try {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      const stack = err instanceof Error ? (err.stack ?? '') : '';
      // Same error, same place: the message and the first frame of the stack.
      const key = `${kind}|${message.slice(0, 200)}|${stack.split('\n')[1]?.trim() ?? ''}`;
      const t = now();
      const entry = seen.get(key);
      if (entry && t - entry.lastLogged < REPEAT_INTERVAL_MS) {
        entry.suppressed++;
        return;
      }
      if (!entry && seen.size >= MAX_DISTINCT) seen.clear();
      log.error(`${kind}: kept running`, { err: stack || message, ...(entry?.suppressed ? { repeatedSinceLastLog: entry.suppressed } : {}) });
      seen.set(key, { lastLogged: t, suppressed: 0 });
    } catch {
      // Logging itself failed (stderr closed?): there is nothing better to do than carry on.
    }
  };
  const onException = (err: unknown) => report('uncaughtException', err);
  const onRejection = (err: unknown) => report('unhandledRejection', err);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return {
    report,
    uninstall() {
      process.off('uncaughtException', onException);
      process.off('unhandledRejection', onRejection);
    },
  };
}
