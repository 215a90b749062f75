import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMemberState, recordClusterClientUrls, writeMemberState } from './member-state.js';

test('recordClusterClientUrls keeps the member list for the commands, writes only changes, and leaves a data dir without a member alone', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-member-state-'));
  try {
    await recordClusterClientUrls(dir, ['https://127.0.0.1:2379']);
    assert.equal(await readMemberState(dir), undefined, 'no member.json made');
    await writeMemberState(dir, { name: 'a-1', origin: 'init', clientUrl: 'https://127.0.0.1:2379', peerUrl: 'https://127.0.0.1:2380' });
    const urls = ['https://127.0.0.1:2379', 'https://127.0.0.1:2479', 'https://127.0.0.1:2579'];
    await recordClusterClientUrls(dir, urls);
    const s = await readMemberState(dir);
    assert.deepEqual(s?.clusterClientUrls, urls);
    assert.equal(s?.name, 'a-1', 'the rest kept');
    const f = join(dir, 'etcd', 'member.json');
    const before = (await stat(f)).ino;
    await recordClusterClientUrls(dir, [...urls]);
    assert.equal((await stat(f)).ino, before, 'the same list is not written again (a rename would make a new inode)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
