// Best-effort steps (cleanup, a status write on the way to an error) must not fail their caller,
// but their failures must not vanish either: a container that cannot be removed is a leak someone
// will want to find. `.catch(logFailure(log, 'removing container', { id }))` logs one warning with
// the error and resolves to undefined.

import type { Logger } from './log.js';

export function logFailure(log: Logger, what: string, fields: Record<string, unknown> = {}): (e: unknown) => undefined {
  return (e: unknown) => {
    log.warn(`${what} failed`, { ...fields, err: e instanceof Error ? e.message : String(e) });
    return undefined;
  };
}
