import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildInfo, formatBuildInfo, gitCommitOf } from './build-info.js';
import { tempDir } from '../../test/helpers/temp-dirs.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function write(root: string, files: Record<string, string>) {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), text);
  }
}

test('commit of a checkout: loose ref, packed ref, detached HEAD, worktree with commondir', () => {
  const loose = tempDir('bi-');
  write(loose, { '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': `${A}\n` });
  assert.deepEqual(gitCommitOf(loose), { commit: A, branch: 'main' });

  const packed = tempDir('bi-');
  write(packed, { '.git/HEAD': 'ref: refs/heads/topic/x\n', '.git/packed-refs': `# pack-refs with: peeled\n${B} refs/heads/main\n${A} refs/heads/topic/x\n` });
  assert.deepEqual(gitCommitOf(packed), { commit: A, branch: 'topic/x' });

  const detached = tempDir('bi-');
  write(detached, { '.git/HEAD': `${B}\n` });
  assert.deepEqual(gitCommitOf(detached), { commit: B });

  const main = tempDir('bi-');
  write(main, { '.git/refs/heads/feature': `${B}\n`, '.git/worktrees/wt/HEAD': 'ref: refs/heads/feature\n', '.git/worktrees/wt/commondir': '../..\n' });
  const wt = tempDir('bi-');
  write(wt, { '.git': `gitdir: ${join(main, '.git/worktrees/wt')}\n` });
  assert.deepEqual(gitCommitOf(wt), { commit: B, branch: 'feature' });
});

test('no checkout, or odd metadata: no commit, never an error', () => {
  const cases: Record<string, string>[] = [
    {},
    { '.git/HEAD': 'ref: refs/heads/gone\n' },
    { '.git/HEAD': 'garbage' },
    { '.git/HEAD': 'ref: ../../../etc/passwd\n' },
    { '.git/HEAD': 'ref: refs/heads/../../../x\n' },
    { '.git/HEAD': 'ref: refs/heads/main\n', '.git/refs/heads/main': 'not a hash\n' },
    { '.git': 'not a gitdir line' },
    { '.git': 'gitdir: /nonexistent/path\n' },
  ];
  for (const files of cases) {
    const dir = tempDir('bi-');
    write(dir, files);
    assert.deepEqual(gitCommitOf(dir), {}, JSON.stringify(files));
  }
  const huge = tempDir('bi-');
  write(huge, { '.git/HEAD': `ref: refs/heads/main\n${'x'.repeat(100_000)}` });
  assert.deepEqual(gitCommitOf(huge), {});
});

test('gifee version lines: version, short commit and branch, Kubernetes API, Node.js', () => {
  const text = formatBuildInfo({ version: '0.1.0', commit: A, branch: 'main', kubernetes: 'v1.32.0-gifee.0.1.0', node: '20.19.0', platform: 'linux/amd64' });
  assert.equal(text, ['gifee 0.1.0', '  commit:          aaaaaaaaaaaa (main)', '  Kubernetes API:  v1.32.0-gifee.0.1.0', '  Node.js:         v20.19.0', '  platform:        linux/amd64'].join('\n'));
  assert.match(formatBuildInfo({ version: '0.1.0', kubernetes: 'v1.32.0', node: '20.0.0', platform: 'linux/arm64' }), /commit: +unknown \(not run from a git checkout\)/);
  // This test runs from the repository's checkout: its commit is found.
  const real = buildInfo();
  assert.match(real.commit ?? '', /^[0-9a-f]{40}$/);
  assert.match(real.kubernetes, /^v1\.32\.\d+/);
});
