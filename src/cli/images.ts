// `gifee images`: manage the node's image store from the shell (the agent running beside it sees
// every change at once: the store keeps no state in memory that these commands could make stale).

import { parseArgs } from 'node:util';
import { UsageError } from './args.js';

export const IMAGES_HELP = `gifee images: manage the images of this node

Usage:
  gifee images import FILE... [--data-dir DIR]   import OCI image layouts (directory or tar) and docker-archives (docker save)
  gifee images ls [--data-dir DIR]               list images: REFERENCE, IMAGE ID, SIZE
  gifee images pull REF [--data-dir DIR]         pull from a registry (127.0.0.1/localhost over plain HTTP)
  gifee images rm REF... [--data-dir DIR]        remove references (and the image once nothing names it)

Flags:
  --data-dir DIR            the node's state directory (default /var/lib/gifee as root, else ~/.local/share/gifee)
  --insecure-registry HOST  reach this registry over plain HTTP (repeatable)
  -h, --help                this help

Files in DIR/images/import/ are imported when the agent starts.`;

/** "1.2MB", decimal like docker. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)}${units[i]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 3)))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export async function imagesCommand(argv: string[], defaultDataDir: string): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') return void console.log(IMAGES_HELP);
  const parse = () =>
    parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { 'data-dir': { type: 'string' }, 'insecure-registry': { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (e) {
    throw new UsageError(`gifee images ${sub}: ${(e as Error).message}; see gifee images --help`);
  }
  const { values, positionals } = parsed;
  if (values.help) return void console.log(IMAGES_HELP);
  const { createImageStore } = await import('../agent/images/store.js');
  const { logger } = await import('../util/log.js');
  const store = createImageStore({ dataDir: values['data-dir'] ?? defaultDataDir, insecureRegistries: values['insecure-registry'] ?? [], log: logger('images') });
  const need = (what: string) => {
    if (positionals.length === 0) throw new UsageError(`gifee images ${sub}: give at least one ${what}; see gifee images --help`);
  };
  try {
    await run(sub, positionals, store, need);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // Store errors already say what went wrong and what to do: no stack trace.
    console.error(`gifee images ${sub}: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}

async function run(sub: string, positionals: string[], store: import('../agent/images/store.js').FsImageStore, need: (what: string) => void): Promise<void> {
  switch (sub) {
    case 'import': {
      need('FILE');
      for (const file of positionals) {
        for (const img of await store.importFile(file)) console.log(`imported ${img.references.join(', ')} (${img.id.slice(7, 19)}) from ${file}`);
      }
      return;
    }
    case 'ls':
    case 'list': {
      if (positionals.length) throw new UsageError(`gifee images ls: unexpected argument "${positionals[0]}"`);
      const rows = [['REFERENCE', 'IMAGE ID', 'SIZE']];
      for (const img of await store.list()) {
        for (const ref of img.references) rows.push([ref, img.id.slice(7, 19), humanSize(img.size)]);
      }
      return void process.stdout.write(table(rows));
    }
    case 'pull': {
      need('REF');
      for (const ref of positionals) {
        const img = await store.ensure(ref, 'Always');
        console.log(`pulled ${img.references.join(', ')} (${img.id.slice(7, 19)})`);
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
