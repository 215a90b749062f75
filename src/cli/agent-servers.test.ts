// --server values as a user types them: repeated, comma-separated, with trailing slashes; and what
// is refused with a message that says what to give instead.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_SEED_SERVERS, parseServerFlags } from './agent-servers.js';

describe('parseServerFlags', () => {
  const ok: [string[], string[]][] = [
    [['https://10.0.0.1:6443'], ['https://10.0.0.1:6443']],
    [['https://10.0.0.1:6443/'], ['https://10.0.0.1:6443']],
    [['https://a:6443,https://b:6443'], ['https://a:6443', 'https://b:6443']],
    [
      ['https://a:6443', 'https://b:6443, https://c:6443'],
      ['https://a:6443', 'https://b:6443', 'https://c:6443'],
    ],
    [['https://a:6443', 'https://a:6443/'], ['https://a:6443']],
    [['https://[fd00::1]:6443'], ['https://[fd00::1]:6443']],
    [['https://a:6443,,'], ['https://a:6443']],
  ];
  for (const [input, want] of ok) it(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => assert.deepEqual(parseServerFlags(input), want));

  const bad: [string[] | undefined, RegExp][] = [
    [undefined, /--server https:\/\/HOST:6443 is required/],
    [[''], /is required/],
    [['http://a:6443'], /must be an https:\/\/ URL/],
    [['a:6443'], /must be an https:\/\/ URL|is not a URL/],
    [['not a url'], /is not a URL/],
    [['https://a:6443/api'], /without a path/],
    [['https://user:pw@a:6443'], /without a path, query or credentials/],
    [[Array.from({ length: MAX_SEED_SERVERS + 1 }, (_, i) => `https://h${i}:6443`).join(',')], /at most 16/],
  ];
  for (const [input, want] of bad) it(`refuses ${JSON.stringify(input)?.slice(0, 60)}`, () => assert.throws(() => parseServerFlags(input), want));
});
