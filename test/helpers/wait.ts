// Polling until a condition holds, for e2e tests: errors from the condition count as "not yet" and
// the last one is reported; a timeout names what was awaited plus whatever context the test adds
// (pods, agent logs) so a failure explains itself.

export interface UntilOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Appended to the timeout error: the state a person needs to see why it did not happen. */
  context?: () => string | Promise<string>;
}

export async function until(what: string, fn: () => Promise<boolean>, o: UntilOptions = {}): Promise<void> {
  const end = Date.now() + (o.timeoutMs ?? 60_000);
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 250));
  }
  const context = o.context ? `\n${await o.context()}` : '';
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}${context}`);
}

/** Until no process has this pid any more (a server a test signalled has exited). */
export function untilProcessGone(pid: number, o: UntilOptions = {}): Promise<void> {
  return until(
    `process ${pid} to exit`,
    async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    o,
  );
}
