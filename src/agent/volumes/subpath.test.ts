// subPath resolution inside a volume on a real directory tree: symlinks inside are followed by hand,
// anything that leaves the volume is refused, missing directories are created; subPathExpr expansion.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInVolume, subPathOf } from './subpath.js';

const base = mkdtempSync(join(tmpdir(), 'gifee-subpath-'));
const vol = join(base, 'vol');
mkdirSync(join(vol, 'real', 'deep'), { recursive: true });
chmodSync(vol, 0o2777);
writeFileSync(join(vol, 'real', 'file'), 'x');
writeFileSync(join(base, 'host-secret'), 'secret');
symlinkSync('real', join(vol, 'link'));
symlinkSync('../file', join(vol, 'real', 'deep', 'up'));
symlinkSync(base, join(vol, 'abs'));
symlinkSync('../..', join(vol, 'climb'));
symlinkSync('real/../../host-secret', join(vol, 'dotdot'));
symlinkSync('loop', join(vol, 'loop'));
after(() => rmSync(base, { recursive: true, force: true }));

const target = (sub: string) => {
  const r = resolveInVolume(vol, sub);
  try {
    return { path: readlinkSync(`/proc/self/fd/${r.fd}`), isDir: r.isDir };
  } finally {
    closeSync(r.fd);
  }
};

describe('resolveInVolume', () => {
  const ok: [string, string, boolean][] = [
    ['real', join(vol, 'real'), true],
    ['real/file', join(vol, 'real', 'file'), false],
    ['link/deep', join(vol, 'real', 'deep'), true],
    ['real/deep/up', join(vol, 'real', 'file'), false],
    ['./real//deep/', join(vol, 'real', 'deep'), true],
  ];
  for (const [sub, want, isDir] of ok) it(`resolves ${sub}`, () => assert.deepEqual(target(sub), { path: want, isDir }));
  const bad: [string, RegExp][] = [
    ['abs', /symlink to ".*", outside the volume/],
    ['abs/host-secret', /outside the volume/],
    ['climb', /resolves outside the volume/],
    ['dotdot', /resolves outside the volume/],
    ['../vol', /must not contain '\.\.'/],
    ['/etc', /must be a relative path/],
    ['loop', /too many levels of symbolic links/],
    ['real/file/x', /"file" is not a directory/],
  ];
  for (const [sub, err] of bad) it(`refuses ${sub}`, () => assert.throws(() => resolveInVolume(vol, sub), err));
  it('creates missing directories inside the volume', () => {
    assert.deepEqual(target('new/a/b'), { path: join(vol, 'new', 'a', 'b'), isDir: true });
    assert.ok(existsSync(join(vol, 'new', 'a', 'b')));
    // With the volume root's mode, not the agent's umask: a non-root container must be able to write there.
    assert.equal(statSync(join(vol, 'new', 'a')).mode & 0o7777, statSync(vol).mode & 0o7777);
  });
});

describe('subPathOf', () => {
  const env = ['POD_NAME=web-0', 'EVIL=../../etc', 'ABS=/etc'];
  const cases: [{ subPath?: string; subPathExpr?: string }, string | RegExp][] = [
    [{}, ''],
    [{ subPath: 'a/b' }, 'a/b'],
    [{ subPathExpr: 'data/$(POD_NAME)' }, 'data/web-0'],
    [{ subPathExpr: '$(EVIL)' }, /expanded to "\.\.\/\.\.\/etc": must not contain '\.\.'/],
    [{ subPathExpr: '$(ABS)' }, /must be a relative path/],
    [{ subPath: 'a', subPathExpr: 'b' }, /mutually exclusive/],
  ];
  for (const [vm, want] of cases) {
    it(JSON.stringify(vm), () => {
      const got = subPathOf(vm, env);
      if (want instanceof RegExp) assert.match((got as Error).message, want);
      else assert.equal(got, want);
    });
  }
});
