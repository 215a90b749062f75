// How the long-running commands (up, server, agent) log: --log-format text|json (default: text on a
// terminal, JSON lines otherwise, e.g. under systemd or in a pipe), --log-level, and the shorthands
// -q/--quiet (warnings and errors only) and -v/--verbose (debug).

import { type FlagTable, UsageError } from './args.js';
import { LOG_LEVELS, type Level, type LogFormat } from '../util/log.js';

export const LOG_FLAG_TABLE: FlagTable = {
  'log-format': { type: 'string', value: 'text|json', help: 'text: lines for people; json: one JSON object per line (default text on\na terminal, json otherwise)' },
  'log-level': { type: 'string', value: 'LEVEL', help: 'debug, info, warn or error', default: 'info, or $GIFEE_LOG' },
  quiet: { type: 'boolean', short: 'q', help: 'only warnings and errors (--log-level warn)' },
  verbose: { type: 'boolean', short: 'v', help: 'everything, debug included (--log-level debug)' },
};

/** The logging settings the flags ask for (undefined: the environment's or the default). */
export function logSettingsOf(f: Record<string, unknown>, command?: string): { level?: Level; format?: LogFormat } {
  const who = command ? `${command}: ` : '';
  const format = f['log-format'];
  if (format !== undefined && format !== 'text' && format !== 'json') throw new UsageError(`${who}--log-format must be text or json, not "${String(format)}"`);
  const given = [f['log-level'] !== undefined && '--log-level', f.quiet === true && '--quiet', f.verbose === true && '--verbose'].filter(Boolean);
  if (given.length > 1) throw new UsageError(`${who}${given.join(' and ')} contradict each other: give one of them`);
  const level = f.quiet ? 'warn' : f.verbose ? 'debug' : (f['log-level'] as string | undefined);
  if (level !== undefined && !LOG_LEVELS.includes(level as Level)) throw new UsageError(`${who}--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${level}"`);
  return { level: level as Level | undefined, format: format as LogFormat | undefined };
}
