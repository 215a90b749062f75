import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLines, explainError } from './explain-error.js';

const errno = (message: string, fields: Record<string, unknown>) => Object.assign(new Error(message), fields);

test('known failures say what to do (table)', () => {
  const table: [unknown, string, RegExp][] = [
    [errno("EACCES: permission denied, mkdir '/var/lib/gifee'", { code: 'EACCES', syscall: 'mkdir', path: '/var/lib/gifee' }), 'up', /no permission for \/var\/lib\/gifee: run it as root \(sudo gifee up\)/],
    [errno('listen EACCES: permission denied 0.0.0.0:443', { code: 'EACCES', syscall: 'listen' }), 'server', /ports below 1024 need root/],
    [errno('ENOSPC: no space left on device, write', { code: 'ENOSPC', path: '/data' }), 'images', /the disk holding \/data is full \(space or inodes\).*gifee images rm/],
    [errno('spawn runc ENOENT', { code: 'ENOENT', syscall: 'spawn runc', path: 'runc' }), 'agent', /runc is not installed or not on the PATH: gifee doctor/],
    [errno("ENOENT: no such file or directory, open '/x/y'", { code: 'ENOENT', syscall: 'open', path: '/x/y' }), 'up', /\/x\/y does not exist/],
    [errno('connect ECONNREFUSED 127.0.0.1:6443', { code: 'ECONNREFUSED', address: '127.0.0.1', port: 6443 }), 'token', /nothing answers at 127\.0\.0\.1:6443: is gifee running\?/],
    [errno('listen EADDRINUSE: address already in use :::10250', { code: 'EADDRINUSE', port: 10250 }), 'up', /port 10250 is in use: stop the other program/],
    [errno('EMFILE: too many open files', { code: 'EMFILE' }), 'up', /ulimit -n/],
    [errno('EROFS: read-only file system', { code: 'EROFS', path: '/usr/x' }), 'up', /\/usr\/x is on a read-only file system/],
  ];
  for (const [e, command, hint] of table) {
    const x = explainError(e, command);
    assert.ok(x.message.startsWith(`gifee ${command}: `), x.message);
    assert.match(x.hint ?? '', hint, (e as Error).message);
  }
});

test('unknown failures: the message only, the stack when asked; never a throw on odd values', () => {
  const e = new Error('something odd');
  assert.deepEqual(explainError(e, 'up'), { message: 'gifee up: something odd' });
  const plain = errorLines(e, 'up', false);
  assert.equal(plain, 'gifee up: something odd\n  (run with --verbose or GIFEE_LOG=debug for the stack trace; gifee doctor checks this machine)\n');
  assert.ok(errorLines(e, 'up', true).includes('at '), 'the stack with --verbose');
  assert.equal(
    errorLines(errno('full', { code: 'ENOSPC' }), 'up', false)
      .split('\n')[1]
      .startsWith('  what to do: the disk is full'),
    true,
  );
  for (const odd of [undefined, null, 42, 'text', { code: 'EACCES' }]) assert.match(errorLines(odd, undefined, false), /^gifee: /);
});
