// Scheduled snapshots inside the server: at each firing of a cron schedule, save a snapshot named
// scheduled-<time> and prune the scheduled ones beyond the retention count. A failed snapshot is
// logged and retried at the next firing; it never stops the server.

import { parseCron } from '../../util/cron.js';
import type { Logger } from '../../util/log.js';
import { pruneSnapshots } from './catalog.js';
import { SCHEDULED_PREFIX, timestampedName } from './names.js';
import { type SaveOptions, saveSnapshot } from './save.js';

/** setTimeout's largest delay; a later firing is reached in hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ScheduleOptions extends Omit<SaveOptions, 'name'> {
  schedule: string;
  retention: number;
  log: Logger;
}

export function startSnapshotSchedule(o: ScheduleOptions): { stop(): Promise<void> } {
  const cron = parseCron(o.schedule);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const take = async () => {
    const began = performance.now();
    try {
      const { meta, file } = await saveSnapshot({ ...o, name: timestampedName(SCHEDULED_PREFIX) });
      const pruned = await pruneSnapshots(o.dir, o.retention);
      o.log.info('scheduled snapshot saved', { file, revision: meta.revision, ms: Math.round(performance.now() - began), pruned });
    } catch (e) {
      o.log.error('scheduled snapshot failed; retrying at the next firing', { error: (e as Error).message, dir: o.dir });
    }
  };
  const arm = (at: Date) => {
    if (stopped) return;
    const wait = at.getTime() - Date.now();
    if (wait > MAX_TIMER_MS) {
      timer = setTimeout(() => arm(at), MAX_TIMER_MS);
      return;
    }
    timer = setTimeout(
      () => {
        running = take().finally(() => {
          running = undefined;
          // From the firing time, not from now: a slow snapshot does not push the schedule back,
          // and firings it overlapped are skipped rather than run back to back.
          arm(cron.next(new Date(Math.max(Date.now(), at.getTime()))));
        });
      },
      Math.max(0, wait),
    );
    timer.unref();
  };
  arm(cron.next(new Date()));
  o.log.info('scheduled snapshots', { schedule: cron.source, retention: o.retention, dir: o.dir, next: cron.next(new Date()).toISOString() });
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      // A snapshot being written finishes (its temporary file would otherwise be left behind).
      await running;
    },
  };
}
