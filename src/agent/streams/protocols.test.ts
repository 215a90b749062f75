// The stream server's pure parts: channel protocol, CRI log lines, log options, paths and stdio flags.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOSE, STDOUT, frame, parseResize, pickChannelProtocol, statusOnErrorChannel, supportsClose } from './channel/protocol.js';
import { LineJoiner, parseCriLine } from './logs/cri.js';
import { parseLogOptions } from './logs/options.js';
import { parseCommand, parseStdio, parseStreamPath } from './request.js';
import { exitStatus } from './status.js';

test('channel protocol: v5 preferred, base when none offered, none when only unknown ones', () => {
  assert.equal(pickChannelProtocol(new Set(['v4.channel.k8s.io', 'v5.channel.k8s.io'])), 'v5.channel.k8s.io');
  assert.equal(pickChannelProtocol(new Set(['channel.k8s.io'])), 'channel.k8s.io');
  assert.equal(pickChannelProtocol(new Set()), '');
  assert.equal(pickChannelProtocol(new Set(['base64.channel.k8s.io'])), false);
  assert.ok(supportsClose('v5.channel.k8s.io') && !supportsClose('v4.channel.k8s.io'));
  assert.ok(statusOnErrorChannel('v4.channel.k8s.io') && !statusOnErrorChannel('v3.channel.k8s.io'));
  assert.deepEqual([...frame(STDOUT, 'hi')], [1, 0x68, 0x69]);
  assert.equal(CLOSE, 255);
  assert.deepEqual(parseResize(Buffer.from('{"Width":80,"Height":24}')), { cols: 80, rows: 24 });
  assert.equal(parseResize(Buffer.from('nope')), undefined);
});

test('exit status: Success, or NonZeroExitCode with the code as an ExitCode cause', () => {
  assert.equal(exitStatus(['true'], 0).status, 'Success');
  const s = exitStatus(['sh', '-c', 'exit 3'], 3);
  assert.equal(s.reason, 'NonZeroExitCode');
  assert.deepEqual(s.details?.causes, [{ reason: 'ExitCode', message: '3' }]);
});

test('CRI log lines parse; partial pieces join into one line', () => {
  const a = parseCriLine('2024-01-02T03:04:05.123456789Z stdout P hel')!;
  const b = parseCriLine('2024-01-02T03:04:06Z stderr F lo world')!;
  assert.equal(a.partial, true);
  assert.equal(b.stream, 'stderr');
  assert.equal(parseCriLine('garbage'), undefined);
  assert.equal(parseCriLine('2024-01-02T03:04:05Z other F x'), undefined);
  const j = new LineJoiner();
  assert.equal(j.push(a), undefined);
  assert.deepEqual(j.push(b), { timestamp: '2024-01-02T03:04:05.123456789Z', time: Date.parse('2024-01-02T03:04:05.123Z'), text: 'hello world' });
  assert.equal(parseCriLine('2024-01-02T03:04:05Z stdout F ')!.text, '');
});

test('log options: flags, tail, since, and clear errors', () => {
  const o = parseLogOptions(new URLSearchParams('follow=true&timestamps=1&tailLines=10&sinceSeconds=60&limitBytes=5'), 1_000_000);
  assert.deepEqual(o, { follow: true, previous: false, timestamps: true, tailLines: 10, sinceMs: 940_000, limitBytes: 5 });
  assert.throws(() => parseLogOptions(new URLSearchParams('tailLines=-1')), /tailLines: Invalid value: "-1"/);
  assert.throws(() => parseLogOptions(new URLSearchParams('sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z')), /at most one of sinceTime or sinceSeconds/);
  assert.throws(() => parseLogOptions(new URLSearchParams('sinceTime=yesterday')), /must be an RFC3339 time/);
});

test('stream paths and stdio flags in both spellings', () => {
  assert.deepEqual(parseStreamPath('/exec/ns/p/c'), { kind: 'exec', namespace: 'ns', pod: 'p', container: 'c' });
  assert.deepEqual(parseStreamPath('/containerLogs/ns/p/uid/c'), { kind: 'containerLogs', namespace: 'ns', pod: 'p', container: 'c' });
  assert.deepEqual(parseStreamPath('/portForward/ns/p'), { kind: 'portForward', namespace: 'ns', pod: 'p' });
  assert.equal(parseStreamPath('/exec/ns/p'), undefined);
  assert.equal(parseStreamPath('/run/ns/p/c'), undefined);
  assert.deepEqual(parseStdio(new URLSearchParams('input=1&output=1&tty=1&error=1')), { stdin: true, stdout: true, stderr: false, tty: true });
  assert.deepEqual(parseStdio(new URLSearchParams('stdout=true&stderr=false')), { stdin: false, stdout: true, stderr: false, tty: false });
  assert.throws(() => parseStdio(new URLSearchParams('tty=1')), /at least 1 of stdin, stdout, stderr/);
  assert.deepEqual(parseCommand(new URLSearchParams('command=sh&command=-c&command=echo+hi')), ['sh', '-c', 'echo hi']);
  assert.throws(() => parseCommand(new URLSearchParams('')), /at least one command/);
});
