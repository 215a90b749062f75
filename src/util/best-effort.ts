// Best-effort steps (cleanup, a status write on the way to an error) must not fail their caller,
// but their failures must not vanish either: a container that cannot be removed is a leak someone
// will want to find. `.catch(logFailure(log, 'removing container', { id }))` logs one warning with
// the error and resolves to undefined.
//
// The other handlers here, for `.catch(...)` where a failure is resolved to undefined:
//  - logFailureOnce: as logFailure, but a failure that repeats (a retry loop, every sync) is logged
//    once per distinct cause, then again at most every ten minutes with how many were suppressed;
//  - ifMissing: a probe where "not there" is an answer (`await stat(p).catch(ifMissing)`), or the
//    removal of what may be gone: silent for ENOENT and its kin; anything else (EACCES, EBUSY, EIO)
//    is not absence, so it is logged once per distinct cause;
//  - ignoreIf(expected, otherwise): silent for the failures `expected` accepts, `otherwise` for the rest;
//  - ignoreError(reason): a failure that is expected and harmless (closing what may be closed, a
//    promise chain's tail whose failure its caller already saw), ignored on purpose: logged at
//    debug level only, with the reason.

import { type Logger, logger } from './log.js';

export function logFailure(log: Logger, what: string, fields: Record<string, unknown> = {}): (e: unknown) => undefined {
  return (e: unknown) => {
    log.warn(`${what} failed`, { ...fields, err: errorText(e) });
    return undefined;
  };
}

/** The text of an error (its message), for a log field. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The errno code of a Node error (ENOENT, EACCES, ...), if it has one. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Rate-limits log lines by key: `once(key, emit)` calls emit(0) the first time a key is seen, then
 * drops the key's calls until intervalMs has passed, when it calls emit(n) with n the calls
 * dropped in between. At most `max` keys are remembered (the oldest forgotten first).
 */
export function createLogOnce(o: { intervalMs?: number; max?: number; now?: () => number } = {}): (key: string, emit: (suppressed: number) => void) => void {
  const intervalMs = o.intervalMs ?? 10 * 60_000;
  const max = o.max ?? 1000;
  const now = o.now ?? Date.now;
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (key, emit) => {
    const t = now();
    const s = seen.get(key);
    if (s && t - s.at < intervalMs) {
      s.suppressed++;
      return;
    }
    seen.delete(key); // re-inserted below: the map's order is the order of last logging
    seen.set(key, { at: t, suppressed: 0 });
    if (seen.size > max) seen.delete(seen.keys().next().value as string);
    emit(s?.suppressed ?? 0);
  };
}

const defaultOnce = createLogOnce();

/**
 * As logFailure, once per distinct cause (what, and the error's text) in this process: the first
 * failure is a warning, repeats of it are dropped for ten minutes, then logged once more with how
 * many were dropped. For best-effort steps that run again and again (every sync, every retry).
 */
export function logFailureOnce(log: Logger, what: string, fields: Record<string, unknown> = {}, once = defaultOnce): (e: unknown) => undefined {
  return (e: unknown) => {
    const err = errorText(e);
    once(`${what}\0${err}`, (suppressed) => log.warn(`${what} failed`, { ...fields, err, ...(suppressed ? { suppressed } : {}) }));
    return undefined;
  };
}

/**
 * Silent for the failures `expected` accepts (a device that is gone already), `otherwise` for the
 * rest: `.catch(ignoreIf((e) => errnoCode(e) === 'ENOENT', logFailure(log, 'removing x')))`.
 */
export function ignoreIf(expected: (e: unknown) => boolean, otherwise: (e: unknown) => undefined): (e: unknown) => undefined {
  return (e: unknown) => (expected(e) ? undefined : otherwise(e));
}

const ioLog = logger('io');

/** Errors that mean "not there": no such file (or a file where a directory was meant), the process or device gone. */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ESRCH', 'ENODEV']);

/**
 * For a probe that treats "not there" as an answer: `await stat(p).catch(ifMissing)` resolves to
 * undefined. A missing path is silent; any other failure (permission, I/O) resolves to undefined
 * as well (the callers were written for that) but is logged once per distinct cause: it is not absence.
 */
export function ifMissing(e: unknown): undefined {
  if (MISSING.has(errnoCode(e) ?? '')) return undefined;
  return logFailureOnce(ioLog, 'a file-system operation (its target taken as absent)')(e);
}

const ignoredLog = logger('ignored');

/**
 * A failure that is expected and harmless, ignored on purpose (the reason says why):
 * `.catch(ignoreError('the socket may already be closed'))`. Resolves to undefined; logged only at
 * debug level.
 */
export function ignoreError(reason: string): (e: unknown) => undefined {
  return (e: unknown) => {
    ignoredLog.debug(`ignored: ${reason}`, { err: errorText(e) });
    return undefined;
  };
}
