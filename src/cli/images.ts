// `gifee images`: manage the node's image store from the shell (the agent running beside it sees
// every change at once: the store keeps no state in memory that these commands could make stale).

import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { UsageError } from './args.js';
import { humanSize } from './human-size.js';
import { type OutputFormat, outputFormatOf, renderListing } from './output-format.js';
import { progressReporter } from './progress.js';
import type { FsImageStore } from '../agent/images/store.js';

export const IMAGES_HELP = `gifee images: manage the images of this node

Usage:
  gifee images import FILE... [--data-dir DIR]   import OCI image layouts (directory or tar) and docker-archives (docker save)
  gifee images ls [-o table|json|yaml]           list images: REFERENCE, IMAGE ID, SIZE
  gifee images pull REF... [--data-dir DIR]      pull from a registry (127.0.0.1/localhost over plain HTTP)
  gifee images rm REF... [--data-dir DIR]        remove references (and the image once nothing names it)

Flags:
  --data-dir DIR            the node's state directory (default /var/lib/gifee as root, else ~/.local/share/gifee)
  --insecure-registry HOST  reach this registry over plain HTTP (repeatable)
  -o, --output FORMAT       ls: table (default), json or yaml
  -q, --quiet               import, pull: no progress, only the result lines
  -v, --verbose             also the image store's log (what it fetched, verified, extracted)
  -h, --help                this help

import and pull show progress on stderr: a line redrawn in place on a terminal, plain lines otherwise.

Files in DIR/images/import/ are imported when the agent starts.`;

export { humanSize } from './human-size.js';

export async function imagesCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') return void console.log(IMAGES_HELP);
  const parse = () =>
    parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { 'data-dir': { type: 'string' }, 'insecure-registry': { type: 'string', multiple: true }, output: { type: 'string', short: 'o' }, quiet: { type: 'boolean', short: 'q' }, verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    throw new UsageError(`gifee images ${sub}: ${(e as Error).message}; see gifee images --help`);
  }
  const { values, positionals } = parsed;
  if (values.help) return void console.log(IMAGES_HELP);
  const format = outputFormatOf(values.output, `gifee images ${sub}`);
  const { createImageStore } = await import('../agent/images/store.js');
  const { configureLogging, logger } = await import('../util/log.js');
  // The store's own events are for the agent's logs; here only its warnings, unless asked (-v).
  configureLogging({ level: values.verbose ? 'debug' : process.env.GIFEE_LOG === 'debug' || process.env.GIFEE_LOG === 'info' ? undefined : 'warn' });
  const store = createImageStore({ dataDir: values['data-dir'] ?? defaultDataDir, insecureRegistries: values['insecure-registry'] ?? [], log: logger('images') });
  const need = (what: string) => {
    if (positionals.length === 0) throw new UsageError(`gifee images ${sub}: give at least one ${what}; see gifee images --help`);
  };
  try {
    await run(sub, positionals, store, need, { format, quiet: values.quiet === true });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // Store errors already say what went wrong and what to do: no stack trace.
    console.error(`gifee images ${sub}: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

interface RunOptions {
  format: OutputFormat;
  quiet: boolean;
}

/** Progress of one transfer on stderr (see progress.ts), cleared before its result or error. */
async function withProgress<T>(label: string, quiet: boolean, work: (onProgress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const p = progressReporter(label, { tty: process.stderr.isTTY === true, columns: process.stderr.columns, write: (s) => void process.stderr.write(s), quiet });
  try {
    return await work((done, total) => p.update(done, total));
  } finally {
    p.end();
  }
}

const shortId = (id: string) => id.slice(7, 19);

async function run(sub: string, positionals: string[], store: FsImageStore, need: (what: string) => void, o: RunOptions): Promise<void> {
  switch (sub) {
    case 'import': {
      need('FILE');
      for (const file of positionals) {
        const started = Date.now();
        const images = await withProgress(`importing ${basename(file)}`, o.quiet, (onProgress) => store.importFile(file, onProgress));
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        for (const img of images) console.log(`imported ${img.references.join(', ')} (${shortId(img.id)}, ${humanSize(img.size)}) from ${file} in ${secs}s`);
      }
      return;
    }
    case 'ls':
    case 'list': {
      if (positionals.length) throw new UsageError(`gifee images ls: unexpected argument "${positionals[0]}"`);
      const images = await store.list();
      const items = images.map((img) => ({ references: img.references, id: img.id, size: img.size }));
      return void process.stdout.write(renderListing(o.format, 'ImageList', items, ['REFERENCE', 'IMAGE ID', 'SIZE'], (img) => img.references.map((ref) => [ref, shortId(img.id), humanSize(img.size)])));
    }
    case 'pull': {
      need('REF');
      for (const ref of positionals) {
        const started = Date.now();
        const img = await withProgress(`pulling ${ref}`, o.quiet, (onProgress) => store.pull(ref, onProgress));
        console.log(`pulled ${img.references.join(', ')} (${shortId(img.id)}, ${humanSize(img.size)}) in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      }
      return;
    }
    case 'rm':
    case 'remove': {
      need('REF');
      for (const ref of positionals) {
        await store.remove(ref);
        console.log(`removed ${ref}`);
      }
      return;
    }
    default:
      throw new UsageError(`gifee images: unknown subcommand "${sub}"; subcommands are import, ls, pull, rm (see gifee images --help)`);
  }
}
