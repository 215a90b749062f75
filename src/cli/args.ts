// Command-line parsing: flags per command, with errors that say what to do (the nearest valid flag).

import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** The candidate closest to a mistyped word, if it is close enough to be what was meant. */
export function nearestOf(word: string, candidates: string[]): string | undefined {
  const best = [...candidates].sort((a, b) => distance(word, a) - distance(word, b))[0];
  return best !== undefined && distance(word, best) <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

export function parseFlags(command: string, argv: string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`gifee ${command}: unexpected argument "${positionals[0]}"; see gifee ${command} --help`);
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const m = /Unknown option '--?([^']+)'/.exec((e as Error).message);
    if (m) {
      const nearest = Object.keys(options).sort((a, b) => distance(m[1], a) - distance(m[1], b))[0];
      throw new UsageError(`gifee ${command}: unknown flag --${m[1]}${nearest ? ` (did you mean --${nearest}?)` : ''}; see gifee ${command} --help`);
    }
    throw new UsageError(`gifee ${command}: ${(e as Error).message}; see gifee ${command} --help`);
  }
}

/** "5m", "30s", "500ms", "2h" or plain milliseconds. */
export function parseDuration(s: string, flag: string): number {
  const text = s.trim();
  const bad = () => new UsageError(`--${flag} must be a duration like 500ms, 30s, 5m, 1h or 1m30s, not "${s}"`);
  const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  // A bare number is milliseconds; otherwise one or more number+unit parts, as Go's durations ("1m30s").
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(text)) throw bad();
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT[m[2]];
  if (!Number.isFinite(total)) throw bad();
  return total;
}

/**
 * One flag, declared once: what parseArgs accepts and the line `--help` shows. `value` is the
 * placeholder after the name (none for a boolean); `help` may span lines ('\n'); `default`, when
 * given, is appended as "(default X)".
 */
export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  value?: string;
  help: string;
  default?: string;
}

export type FlagTable = Record<string, FlagSpec>;

/** parseArgs options of flag tables (later tables win on a repeated name). */
export function optionsOf(...tables: FlagTable[]): Options {
  const out: Options = {};
  for (const t of tables) for (const [name, s] of Object.entries(t)) out[name] = { type: s.type, ...(s.multiple ? { multiple: true } : {}), ...(s.short ? { short: s.short } : {}) };
  return out;
}

const HELP_COLUMN = 28;

/** Help lines of flag tables: the flag and its placeholder, then its text in an aligned column. */
export function helpOf(...tables: FlagTable[]): string {
  const lines: string[] = [];
  for (const t of tables)
    for (const [name, s] of Object.entries(t)) {
      const head = `  ${s.short ? `-${s.short}, ` : ''}--${name}${s.value ? ` ${s.value}` : ''}`;
      const text = (s.default !== undefined ? `${s.help} (default ${s.default})` : s.help).split('\n');
      lines.push(`${head.length + 2 <= HELP_COLUMN ? head.padEnd(HELP_COLUMN) : `${head}  `}${text[0]}`);
      for (const more of text.slice(1)) lines.push(`${' '.repeat(HELP_COLUMN)}${more}`);
    }
  return lines.join('\n');
}
