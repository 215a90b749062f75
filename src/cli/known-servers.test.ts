// The agent's saved list of API servers: what a file may hold, and a round trip through the disk.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knownServersFile, loadKnownServers, parseKnownServers, saveKnownServers } from './known-servers.js';

describe('parseKnownServers', () => {
  const cases: [string, string, string[]][] = [
    ['a list', '{"servers":["https://10.0.0.1:6443","https://10.0.0.2:6443/"]}', ['https://10.0.0.1:6443', 'https://10.0.0.2:6443']],
    ['not JSON', 'garbage', []],
    ['null', 'null', []],
    ['no list', '{"servers":"https://a:1"}', []],
    ['non-https, paths and non-strings dropped', '{"servers":["http://a:1","https://a:1/x",7,null,"https://b:1"]}', ['https://b:1']],
    ['duplicates once', '{"servers":["https://a:1","https://a:1"]}', ['https://a:1']],
    ['too many: the first 16', JSON.stringify({ servers: Array.from({ length: 50 }, (_, i) => `https://h${i}:1`) }), Array.from({ length: 16 }, (_, i) => `https://h${i}:1`)],
    ['too large a file: none', JSON.stringify({ servers: ['https://a:1'], pad: 'x'.repeat(70_000) }), []],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(parseKnownServers(text), want));
});

describe('saveKnownServers / loadKnownServers', () => {
  it('round-trips, and a missing or broken file is an empty list', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gifee-known-servers-'));
    try {
      assert.deepEqual(await loadKnownServers(dir), []);
      await saveKnownServers(dir, ['https://10.0.0.1:6443', 'https://10.0.0.2:6443']);
      assert.deepEqual(await loadKnownServers(dir), ['https://10.0.0.1:6443', 'https://10.0.0.2:6443']);
      await writeFile(knownServersFile(dir), '{"servers":');
      assert.deepEqual(await loadKnownServers(dir), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
