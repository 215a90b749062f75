#!/usr/bin/env node
// Entry point for the `gifee` command: runs the compiled CLI (npm run build writes dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  console.error('gifee: not built yet. Run `npm ci && npm run build` in the repository first.');
  process.exit(1);
}
await import(main);
