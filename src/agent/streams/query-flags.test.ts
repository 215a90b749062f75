// The agent reads stdio and log flags as the API server's parameter codec does: Python's client
// sends True/False, and stdin=False must not open stdin.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStdio } from './request.js';
import { parseLogOptions } from './logs/options.js';

test('stdio flags: False and FALSE are false, True and 1 are true', () => {
  const f = parseStdio(new URLSearchParams('stdin=False&stdout=True&stderr=FALSE&tty=false&command=ls'));
  assert.deepEqual(f, { stdin: false, stdout: true, stderr: false, tty: false });
  const g = parseStdio(new URLSearchParams('input=1&output=0&error=yes&tty=TRUE'));
  assert.deepEqual(g, { stdin: true, stdout: false, stderr: false, tty: true }); // a tty merges stderr
  assert.throws(() => parseStdio(new URLSearchParams('stdin=False&stdout=False&stderr=false')), /at least 1 of stdin, stdout, stderr/);
});

test('log flags: follow=False, previous=FALSE, timestamps=True', () => {
  const o = parseLogOptions(new URLSearchParams('follow=False&previous=FALSE&timestamps=True'));
  assert.equal(o.follow, false);
  assert.equal(o.previous, false);
  assert.equal(o.timestamps, true);
  assert.equal(parseLogOptions(new URLSearchParams('follow')).follow, true);
});
