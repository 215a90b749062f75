// Snapshot tests of what people read: the help texts and gifee up's ready message. A change to one
// fails here until its snapshot is rewritten on purpose: UPDATE_SNAPSHOTS=1 node --test ... writes
// src/cli/snapshots/*.txt anew (review the diff like code).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS, HELP } from './help-text.js';
import { helpOfCommand } from './commands.js';
import { IMAGES_HELP } from './images.js';
import { TOKEN_HELP } from './token-command.js';
import { COMPLETION_HELP } from './completion.js';
import { UPGRADE_HELP } from './upgrade-command.js';
import { upReadyMessage } from './up-output.js';

/** src/cli/snapshots of the checkout, whether this runs compiled (dist/src/cli) or from source. */
function snapshotDir(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return join(d, 'src', 'cli', 'snapshots');
}

function matchSnapshot(name: string, actual: string) {
  const file = join(snapshotDir(), `${name}.txt`);
  if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(file, actual);
  assert.ok(existsSync(file), `no snapshot ${file}: run with UPDATE_SNAPSHOTS=1 to write it`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from ${file} (UPDATE_SNAPSHOTS=1 rewrites it)`);
}

test('help texts (snapshots)', () => {
  matchSnapshot('help', `${HELP}\n`);
  for (const c of ['up', 'server', 'agent'] as const) matchSnapshot(`help-${c}`, `${helpOfCommand(c)}\n`);
  matchSnapshot('help-images', `${IMAGES_HELP}\n`);
  matchSnapshot('help-token', `${TOKEN_HELP}\n`);
  matchSnapshot('help-completion', `${COMPLETION_HELP}\n`);
  matchSnapshot('help-upgrade', `${UPGRADE_HELP}\n`);
});

test('gifee up ready message (snapshot): what started, where things are, what to run next', () => {
  const ready = { url: 'https://127.0.0.1:6443', dataDir: '/var/lib/gifee', kubeconfig: '/root/.kube/config', started: ['store', 'API server', 'controllers and scheduler', 'node agent'], store: 'sqlite' as const, nodeName: 'vm1', runtime: 'runc', startupMs: 2345 };
  matchSnapshot('up-ready', upReadyMessage(ready));
  const coloured = upReadyMessage(ready, true);
  assert.ok(coloured.includes('\x1b[1mgifee is up at https://127.0.0.1:6443\x1b[0m'));
  assert.equal(coloured.replaceAll('\x1b[1m', '').replaceAll('\x1b[0m', ''), upReadyMessage(ready));
});

test('the top-level help fits 100 columns and lists every command, and only those', () => {
  for (const line of HELP.split('\n')) assert.ok(line.length <= 100, line);
  const listed = new Set([...HELP.matchAll(/^ {2}gifee ([a-z][a-z-]*)/gm)].map((m) => m[1]));
  assert.deepEqual([...listed].sort(), [...COMMANDS].sort());
});
