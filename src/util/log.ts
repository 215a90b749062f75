// Logging: one event per line on stderr. Two formats of the same events:
//  - json: one JSON object per line, for machines (log collectors, grep + jq, the tests);
//  - text: "12:00:01 INFO  component  message  key=value ...", for a person at a terminal, the level
//    coloured only on a terminal and never with NO_COLOR (https://no-color.org).
// Format and level come from GIFEE_LOG_FORMAT (json|text; default text when stderr is a terminal,
// else json) and GIFEE_LOG (debug|info|warn|error; default info). configureLogging() (the
// --log-format/--log-level flags) sets both, in this process and in the environment that the
// component processes it starts inherit, so every process of one gifee logs alike.

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export const LOG_LEVELS: Level[] = ['debug', 'info', 'warn', 'error'];
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const levelOf = (v: string | undefined): Level => (v !== undefined && v in order ? (v as Level) : 'info');
const formatOf = (v: string | undefined): LogFormat => (v === 'json' || v === 'text' ? v : process.stderr.isTTY ? 'text' : 'json');

/** Colour for a stream: only a terminal, and never when NO_COLOR is set to anything but "". */
export function colourAllowed(isTTY: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return isTTY === true && !env.NO_COLOR;
}

let threshold = order[levelOf(process.env.GIFEE_LOG)];
let format: LogFormat = formatOf(process.env.GIFEE_LOG_FORMAT);
let colour = colourAllowed(process.stderr.isTTY);

/** Sets the level and format for this process and the processes it starts afterwards. */
export function configureLogging(o: { level?: Level; format?: LogFormat }): void {
  if (o.level) {
    threshold = order[o.level];
    process.env.GIFEE_LOG = o.level;
  }
  if (o.format) {
    format = o.format;
    process.env.GIFEE_LOG_FORMAT = o.format;
  }
  colour = colourAllowed(process.stderr.isTTY);
}

/** Whether a line at this level would be written (to skip building the fields of one that would not). */
export function levelEnabled(level: Level): boolean {
  return order[level] >= threshold;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

const LEVEL_TEXT: Record<Level, string> = { debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR' };
const LEVEL_COLOUR: Record<Level, string> = { debug: '\x1b[2m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

/** A field's value in text form: bare when it is one plain word, else JSON (quoted, escaped: one line always). */
function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[\w.:/@%+,~*#?&[\]()-]+$/.test(v) ? v : JSON.stringify(v);
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return '[unprintable]';
  }
}

/** One event as a text line (without the newline). */
export function textLine(ts: Date, level: Level, component: string, msg: string, fields: Record<string, unknown>, withColour: boolean): string {
  const time = ts.toISOString().slice(11, 19);
  const lvl = withColour ? `${LEVEL_COLOUR[level]}${LEVEL_TEXT[level]}\x1b[0m` : LEVEL_TEXT[level];
  const extras = Object.entries(fields)
    .filter(([k]) => k !== 'component')
    .map(([k, v]) => `${k}=${textValue(v)}`)
    .join(' ');
  // The message itself is one line even if it carries newlines (an error's text).
  const oneLine = msg.replace(/[\r\n]+/g, ' ');
  return `${time} ${lvl} ${component}: ${oneLine}${extras ? `  ${extras}` : ''}`;
}

export function logger(component: string, base: Record<string, unknown> = {}): Logger {
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < threshold) return;
    const ts = new Date();
    const extra: Record<string, unknown> = { ...base, ...fields };
    for (const [k, v] of Object.entries(extra)) if (v instanceof Error) extra[k] = v.message;
    if (format === 'text') {
      const who = typeof extra.component === 'string' ? extra.component : component;
      process.stderr.write(`${textLine(ts, level, who, msg, extra, colour)}\n`);
      return;
    }
    process.stderr.write(`${JSON.stringify({ ts: ts.toISOString(), level, component, msg, ...extra })}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (f) => logger(component, { ...base, ...f }),
  };
}
